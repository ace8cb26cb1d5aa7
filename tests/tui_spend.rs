//! What the Spend pane must say on screen: the Billing console step when a key is not
//! activated, in full even at 80 columns.

mod common;

use common::{anchor, demo_spend, press_settled, screen, text, utc};
use sagescope::action::{Action, UserAction};
use sagescope::app::{App, AppInit, Mode};
use sagescope::config::Config;

#[test]
fn a_key_nobody_activated_shows_where_to_activate_it() {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut config = sagescope::demo::config(&Config::default());
        // No demo spend is tagged `team`: Cost Explorer reports it all as untagged.
        config.spend.group_by = "team".into();
        let mut app = App::new(AppInit::from_config(&config, Mode::Demo, anchor(), utc()));
        app.load_snapshot(sagescope::demo::world(anchor()));
        let _ = app.update(Action::Resize { width, height });
        press_settled(&mut app, &demo_spend(), &[UserAction::ShowSpend]);
        assert_eq!(app.spend.key(), "team");
        let shown = text(&screen(&app, width, height));
        let flat: String = shown
            .lines()
            .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.contains("Cost allocation tags") && flat.contains("Activate"),
            "{width}x{height}:\n{shown}"
        );
        assert!(shown.contains("(untagged)"), "{shown}");
    }
}
