//! Colours. Three palettes: dark and light terminals, and `mono` (also what `NO_COLOR` gives),
//! which sets no colour at all and marks things with bold, underline and reverse video.

use ratatui::style::{Color, Modifier, Style};

use sagescope_core::config::Theme;
use sagescope_core::model::StatusPhase;

/// Every style the panes use, so no pane picks colours of its own.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub text: Style,
    pub dim: Style,
    pub border: Style,
    pub title: Style,
    pub header: Style,
    pub selected: Style,
    pub tab_active: Style,
    pub key: Style,
    pub warning: Style,
    pub error: Style,
    pub accent: Style,
    pub running: Style,
    pub pending: Style,
    pub failed: Style,
    pub stopped: Style,
    pub done: Style,
    /// Chart series, most important first; the untagged share uses `untagged`.
    pub series: [Style; 5],
    pub untagged: Style,
    /// Fill glyphs per series: all solid with colour; distinct shades in mono.
    pub glyphs: [char; 5],
    pub untagged_glyph: char,
}

impl Palette {
    /// The style for a status by its phase.
    pub fn status(&self, phase: StatusPhase) -> Style {
        match phase {
            StatusPhase::Running => self.running,
            StatusPhase::Pending => self.pending,
            StatusPhase::Failed => self.failed,
            StatusPhase::Stopped => self.stopped,
            StatusPhase::Done => self.done,
            StatusPhase::Unknown => self.text,
        }
    }
}

/// Whether the `NO_COLOR` convention (no-color.org) asks for no colour: set and not empty.
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The theme to use: `mono` when `NO_COLOR` is set, else the configured one.
pub fn effective(configured: Theme, no_color: bool) -> Theme {
    if no_color { Theme::Mono } else { configured }
}

pub fn palette(theme: Theme) -> Palette {
    match theme {
        Theme::Dark => DARK,
        Theme::Light => LIGHT,
        Theme::Mono => MONO,
    }
}

const fn fg(color: Color) -> Style {
    Style::new().fg(color)
}

const SOLID: [char; 5] = ['█'; 5];

const DARK: Palette = Palette {
    text: Style::new(),
    dim: fg(Color::DarkGray),
    border: fg(Color::DarkGray),
    title: Style::new().add_modifier(Modifier::BOLD),
    header: fg(Color::Cyan).add_modifier(Modifier::BOLD),
    selected: Style::new()
        .bg(Color::Rgb(50, 60, 80))
        .add_modifier(Modifier::BOLD),
    tab_active: fg(Color::Black)
        .bg(Color::Cyan)
        .add_modifier(Modifier::BOLD),
    key: fg(Color::Cyan),
    warning: fg(Color::Yellow).add_modifier(Modifier::BOLD),
    error: fg(Color::LightRed),
    accent: fg(Color::Cyan),
    running: fg(Color::Green),
    pending: fg(Color::LightBlue),
    failed: fg(Color::LightRed).add_modifier(Modifier::BOLD),
    stopped: fg(Color::Yellow),
    done: fg(Color::Gray),
    series: [
        fg(Color::Cyan),
        fg(Color::Green),
        fg(Color::Magenta),
        fg(Color::Blue),
        fg(Color::Gray),
    ],
    untagged: fg(Color::LightRed),
    glyphs: SOLID,
    untagged_glyph: '█',
};

const LIGHT: Palette = Palette {
    text: Style::new(),
    dim: fg(Color::Gray),
    border: fg(Color::Gray),
    title: Style::new().add_modifier(Modifier::BOLD),
    header: fg(Color::Blue).add_modifier(Modifier::BOLD),
    selected: Style::new()
        .bg(Color::Rgb(210, 225, 245))
        .add_modifier(Modifier::BOLD),
    tab_active: fg(Color::White)
        .bg(Color::Blue)
        .add_modifier(Modifier::BOLD),
    key: fg(Color::Blue),
    warning: fg(Color::Rgb(170, 100, 0)).add_modifier(Modifier::BOLD),
    error: fg(Color::Red),
    accent: fg(Color::Blue),
    running: fg(Color::Green),
    pending: fg(Color::Blue),
    failed: fg(Color::Red).add_modifier(Modifier::BOLD),
    stopped: fg(Color::Rgb(170, 100, 0)),
    done: fg(Color::DarkGray),
    series: [
        fg(Color::Blue),
        fg(Color::Green),
        fg(Color::Magenta),
        fg(Color::Cyan),
        fg(Color::DarkGray),
    ],
    untagged: fg(Color::Red),
    glyphs: SOLID,
    untagged_glyph: '█',
};

const MONO: Palette = Palette {
    text: Style::new(),
    dim: Style::new(),
    border: Style::new(),
    title: Style::new().add_modifier(Modifier::BOLD),
    header: Style::new().add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED)),
    selected: Style::new().add_modifier(Modifier::REVERSED),
    tab_active: Style::new().add_modifier(Modifier::REVERSED.union(Modifier::BOLD)),
    key: Style::new().add_modifier(Modifier::BOLD),
    warning: Style::new().add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED)),
    error: Style::new().add_modifier(Modifier::BOLD),
    accent: Style::new().add_modifier(Modifier::BOLD),
    running: Style::new().add_modifier(Modifier::BOLD),
    pending: Style::new(),
    failed: Style::new().add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED)),
    stopped: Style::new(),
    done: Style::new(),
    series: [Style::new(); 5],
    untagged: Style::new(),
    glyphs: ['█', '▓', '▒', '░', '▚'],
    untagged_glyph: '╳',
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_over_the_configured_theme() {
        assert_eq!(effective(Theme::Dark, true), Theme::Mono);
        assert_eq!(effective(Theme::Light, false), Theme::Light);
    }

    #[test]
    fn mono_sets_no_colour_anywhere() {
        let p = palette(Theme::Mono);
        let styles = [
            p.text,
            p.dim,
            p.border,
            p.title,
            p.header,
            p.selected,
            p.tab_active,
            p.key,
            p.warning,
            p.error,
            p.accent,
            p.running,
            p.pending,
            p.failed,
            p.stopped,
            p.done,
            p.untagged,
        ];
        for style in styles.iter().chain(p.series.iter()) {
            assert_eq!((style.fg, style.bg), (None, None), "{style:?}");
        }
    }
}
