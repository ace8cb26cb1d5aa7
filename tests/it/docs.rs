//! The book must not drift from the code: every key binding of the keymap (the table the keys
//! are dispatched from and the `?` help screen is generated from) is in the TUI guide, under
//! the heading of its help-screen section.

use sagescope::keymap::{KEYMAP, Section};

fn chapter(name: &str) -> String {
    let path = format!("{}/docs/src/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// The text under the `### {title}` heading, up to the next heading of level 2 or 3.
fn under_heading<'a>(text: &'a str, title: &str) -> Option<&'a str> {
    let heading = format!("\n### {title}\n");
    let start = text.find(&heading)? + heading.len();
    let rest = &text[start..];
    let end = rest
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| rest[i..].starts_with("## ") || rest[i..].starts_with("### "))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

#[test]
fn the_tui_guide_lists_every_key_binding_under_its_section() {
    let guide = chapter("tui.md");
    let mut missing = Vec::new();
    for section in Section::ALL {
        let Some(text) = under_heading(&guide, section.title()) else {
            missing.push(format!("no heading `### {}`", section.title()));
            continue;
        };
        for binding in KEYMAP.iter().filter(|b| b.section == section) {
            for key in binding.keys {
                let label = format!("`{}`", key.label());
                if !text.contains(&label) {
                    missing.push(format!(
                        "{label} ({}) under `### {}`",
                        binding.description,
                        section.title()
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/src/tui.md does not document these key bindings: {missing:#?}"
    );
}
