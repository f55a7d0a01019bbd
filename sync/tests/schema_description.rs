//! The field app validates its own changes against `web/field/src/forms/schema.json`; this keeps that file equal to
//! the schema the trust boundary applies. `UPDATE_SNAPSHOTS=1 cargo test -p hezuo-sync --test schema_description`
//! writes it after a schema change.

use hezuo_sync::model::CooperativeDoc;
use hezuo_sync::model::describe::Describe;

#[test]
fn the_field_apps_copy_of_the_schema_is_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/field/src/forms/schema.json");
    let mut current = serde_json::to_string_pretty(&CooperativeDoc::describe()).expect("json");
    current.push('\n');
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &current).expect("write the schema");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == current,
        "{} is stale: run UPDATE_SNAPSHOTS=1 cargo test -p hezuo-sync --test schema_description",
        path.display()
    );
}

#[test]
fn the_description_names_every_field_with_its_type_and_limit() {
    let described = CooperativeDoc::describe();
    let visit = &described["fields"]["visits"]["of"]["fields"];
    assert_eq!(visit["notes"]["t"], "string");
    assert_eq!(visit["notes"]["max_chars"], 2000);
    assert_eq!(
        visit["meta"]["fields"]["visit_type"]["labels"]["baseline"],
        "摸底排查"
    );
    assert_eq!(visit["membership"]["fields"]["members_total"]["t"], "int");
    assert_eq!(
        described["fields"]["profile"]["fields"]["location"]["fields"]["lat"]["t"],
        "float"
    );
}
