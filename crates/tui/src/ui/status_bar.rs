//! The status bar: where the data came from, how old it is (stale in a warning colour), on the
//! Jobs pane what everything running burns per hour, a spinner while a refresh runs, and the
//! latest error with a count of the earlier ones.
//!
//! With `[stream]`, the event stream's state follows the refresh's progress.
//!
//! At 80 columns not everything fits. Each piece has shorter forms; the least important piece
//! gives way first (Cost Explorer's tally, then "me", then the burn, then the error's text,
//! then the stream's detail, then the clock), so the source and age, the refresh's progress,
//! whether the stream is live and the error count stay. A piece is only ever shortened at a word or ` · ` boundary, never cut mid-word.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::format;
use super::theme::{Palette, palette};
use crate::app::{App, Pane};
use sagescope_core::sanitize;

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// How long a piece holds its place: the lowest gives way first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Keep {
    CostExplorer,
    Me,
    Burn,
    ErrorText,
    Stream,
    Age,
    Progress,
}

/// One piece of the bar: its forms, longest first (an empty last form lets it go entirely).
struct Piece<'a> {
    keep: Keep,
    forms: Vec<Vec<Span<'a>>>,
    at: usize,
}

impl<'a> Piece<'a> {
    fn new(keep: Keep, forms: Vec<Vec<Span<'a>>>) -> Piece<'a> {
        Piece { keep, forms, at: 0 }
    }

    fn one(keep: Keep, text: String, style: Style) -> Piece<'a> {
        Piece::new(keep, vec![vec![Span::styled(text, style)]])
    }

    fn width(&self) -> usize {
        self.forms
            .get(self.at)
            .map_or(0, |spans| spans.iter().map(Span::width).sum())
    }
}

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let mut pieces = vec![Piece::one(
        Keep::Progress,
        format!(" {} ", app.source.as_str()),
        p.tab_active,
    )];
    pieces.push(age(app, &p));
    pieces.extend(me(app, &p));
    let burn = app.jobs.health.burn;
    if app.pane == Pane::Jobs && burn.resources > 0 {
        pieces.push(Piece::new(
            Keep::Burn,
            vec![
                vec![Span::styled(format!("  {burn}"), p.title)],
                vec![Span::styled(
                    format!("  ${:.2}/h", burn.usd_per_hour),
                    p.title,
                )],
                vec![],
            ],
        ));
    }
    pieces.extend(refreshing(app, &p));
    pieces.extend(stream(app, &p));
    pieces.extend(cost_explorer_today(app, &p));
    pieces.extend(notice_or_error(app, &p));
    fit(&mut pieces, usize::from(area.width));
    let spans: Vec<Span> = pieces
        .into_iter()
        .flat_map(|mut piece| piece.forms.swap_remove(piece.at))
        .collect();
    frame.render_widget(Line::from(spans), area);
}

/// Shortens the least important pieces first until the bar fits `width` (or nothing can
/// give), then lets the most important ones have back what room is left.
fn fit(pieces: &mut [Piece<'_>], width: usize) {
    let used = |pieces: &[Piece<'_>]| pieces.iter().map(Piece::width).sum::<usize>();
    while used(pieces) > width {
        let Some(piece) = pieces
            .iter_mut()
            .filter(|piece| piece.at + 1 < piece.forms.len())
            .min_by_key(|piece| piece.keep)
        else {
            return;
        };
        piece.at += 1;
    }
    let mut order: Vec<usize> = (0..pieces.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(pieces[i].keep));
    for i in order {
        while pieces[i].at > 0 {
            pieces[i].at -= 1;
            if used(pieces) > width {
                pieces[i].at += 1;
                break;
            }
        }
    }
}

/// ` as of 14:02, 3 min ago`, or only the age when room is short; stale in a warning colour.
fn age<'a>(app: &App, p: &Palette) -> Piece<'a> {
    let Some(as_of) = app.as_of() else {
        return Piece::one(Keep::Progress, " no data yet".into(), p.warning);
    };
    let age = format::age(app.now, as_of);
    let clock = format::clock(app.now, as_of, app.tz);
    let (style, stale) = if app.is_stale() {
        (p.warning, " (stale)")
    } else {
        (Style::default(), "")
    };
    Piece::new(
        Keep::Age,
        vec![
            vec![Span::styled(format!(" as of {clock}, {age}{stale}"), style)],
            vec![Span::styled(format!(" {age}{stale}"), style)],
        ],
    )
}

fn me<'a>(app: &App, p: &Palette) -> Option<Piece<'a>> {
    let text = match (app.mine.status(), &app.mine.me) {
        (Some(status), _) => status,
        (None, Some(me)) if app.mine.on => format!("me: {}", me.label()),
        _ => return None,
    };
    Some(Piece::new(
        Keep::Me,
        vec![
            vec![Span::styled(
                format!("  {}", sanitize::cell(&text)),
                p.accent,
            )],
            vec![],
        ],
    ))
}

/// The spinner and what the refresh is doing; shorter forms drop its ` · ` parts from the
/// end (the slowest scope, the later phases), keeping the first (`listing 412/5600`).
fn refreshing<'a>(app: &App, p: &Palette) -> Option<Piece<'a>> {
    let refreshing = app.refreshing.as_ref()?;
    let spinner = SPINNER[(app.ticks % SPINNER.len() as u64) as usize];
    let mut label = String::new();
    if let Some(progress) = &refreshing.progress {
        label.push_str(&sanitize::cell(&progress.label));
        if progress.total > 0 {
            label.push_str(&format!(" {}/{}", progress.done + 1, progress.total));
        }
    }
    // The phases say what is still coming; "refreshing" only until the first of them.
    if label.trim().is_empty() {
        label = "refreshing".into();
    }
    let parts: Vec<&str> = label.split(" · ").collect();
    let forms = (1..=parts.len())
        .rev()
        .map(|n| {
            vec![Span::styled(
                format!("  {spinner} {}", parts[..n].join(" · ")),
                p.accent,
            )]
        })
        .collect();
    Some(Piece::new(Keep::Progress, forms))
}

/// `stream: live, last event 3 s ago · reconcile in 12 min`, or `stream: down (why), polling`
/// in the warning colour; shorter forms drop its ` · ` parts from the end, down to
/// `stream: live` / `stream: down`.
fn stream<'a>(app: &App, p: &Palette) -> Option<Piece<'a>> {
    let status = app.stream.as_ref()?;
    let line = sanitize::cell(&status.line).into_owned();
    let down = line.starts_with("stream: down");
    let style = if down { p.warning } else { p.running };
    let parts: Vec<&str> = line.split(" · ").collect();
    let mut forms: Vec<Vec<Span<'a>>> = (1..=parts.len())
        .rev()
        .map(|n| vec![Span::styled(format!("  {}", parts[..n].join(" · ")), style)])
        .collect();
    let short = if down {
        "  stream: down"
    } else {
        "  stream: live"
    };
    forms.push(vec![Span::styled(short, style)]);
    Some(Piece::new(Keep::Stream, forms))
}

/// Cost Explorer requests and dollars spent today (each request costs USD 0.01).
fn cost_explorer_today<'a>(app: &App, p: &Palette) -> Option<Piece<'a>> {
    let ledger = app.spend.ledger?;
    Some(Piece::new(
        Keep::CostExplorer,
        vec![
            vec![Span::styled(
                format!("  CE today {} req ${:.2}", ledger.requests, ledger.usd),
                p.dim,
            )],
            vec![],
        ],
    ))
}

/// A passing notice, or the latest error: `✗ 14:02 <text> (+2 earlier, E)`, its text cut
/// at a word when room is short, down to `✗ 3 errors (E)`, which always stays.
fn notice_or_error<'a>(app: &App, p: &Palette) -> Option<Piece<'a>> {
    if let Some(notice) = &app.notice {
        let text = sanitize::cell(&notice.text).replace('␊', " ");
        return Some(Piece::new(
            Keep::ErrorText,
            word_forms("  ", &text, "", p.accent),
        ));
    }
    let latest = app.errors.latest()?;
    let style = if app.errors_from_last_refresh > 0 {
        p.error
    } else {
        p.dim
    };
    let earlier = app.errors.len() - 1;
    let more = if earlier > 0 {
        format!(" (+{earlier} earlier, E)")
    } else {
        " (E)".to_string()
    };
    let when = format::clock(app.now, latest.last_seen, app.tz);
    let text = sanitize::cell(&latest.text).replace('␊', " ");
    let mut forms: Vec<Vec<Span>> = word_forms(&format!("  ✗ {when} "), &text, "", style)
        .into_iter()
        .filter(|form| !form.is_empty())
        .map(|mut form| {
            form.push(Span::styled(more.clone(), p.dim));
            form
        })
        .collect();
    let count = app.errors.len();
    let noun = if count == 1 { "error" } else { "errors" };
    forms.push(vec![Span::styled(format!("  ✗ {count} {noun} (E)"), style)]);
    Some(Piece::new(Keep::ErrorText, forms))
}

/// `prefix text suffix` whole, then with the text cut at a word to about 48, 32 and 16
/// columns (with `…`), then nothing.
fn word_forms<'a>(prefix: &str, text: &str, suffix: &str, style: Style) -> Vec<Vec<Span<'a>>> {
    let mut forms = vec![vec![Span::styled(format!("{prefix}{text}{suffix}"), style)]];
    for room in [48, 32, 16] {
        if format::width(text) > room
            && let Some(cut) = cut_at_word(text, room)
        {
            forms.push(vec![Span::styled(format!("{prefix}{cut}{suffix}"), style)]);
        }
    }
    forms.push(vec![]);
    forms
}

/// The longest start of `text` that ends at a word and, with `…`, fits `room` columns.
fn cut_at_word(text: &str, room: usize) -> Option<String> {
    let mut best = None;
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + 1 > room {
            break;
        }
        if c == ' ' {
            best = Some(i);
        }
    }
    best.map(|end| format!("{}…", text[..end].trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_ends_at_a_word_and_fits() {
        let text = "AccessDenied on ListTrainingJobs in ml-prod us-east-1";
        let cut = cut_at_word(text, 24).expect("a word fits");
        assert_eq!(cut, "AccessDenied on…");
        assert!(format::width(&cut) <= 24);
        assert_eq!(cut_at_word("Unbreakable", 5), None);
    }

    #[test]
    fn the_least_important_piece_gives_way_first() {
        let span = |text: &str| vec![Span::raw(text.to_string())];
        let mut pieces = vec![
            Piece::new(Keep::Progress, vec![span("0123456789")]),
            Piece::new(Keep::Burn, vec![span("burn burn"), span("b"), vec![]]),
            Piece::new(Keep::CostExplorer, vec![span("ce ce"), vec![]]),
        ];
        let fitted = |pieces: &mut Vec<Piece<'_>>, width| {
            for piece in pieces.iter_mut() {
                piece.at = 0;
            }
            fit(pieces, width);
            pieces.iter().map(|p| p.at).collect::<Vec<_>>()
        };
        assert_eq!(fitted(&mut pieces, 24), [0, 0, 0]);
        assert_eq!(fitted(&mut pieces, 20), [0, 0, 1]);
        assert_eq!(fitted(&mut pieces, 11), [0, 1, 1]);
        // The burn's short form left room enough for the tally again.
        assert_eq!(fitted(&mut pieces, 16), [0, 1, 0]);
        // Nothing can give any more: the bar stays as short as it gets.
        assert_eq!(fitted(&mut pieces, 3), [0, 2, 1]);
    }
}
