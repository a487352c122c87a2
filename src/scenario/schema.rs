//! The JSON Schema of the scenario format, for `mailsim schema scenario`: editors that read
//! JSON Schema (VS Code, IntelliJ, the YAML and TOML language servers) complete field names,
//! show each field's documentation and flag mistakes as the file is typed.
//!
//! It is generated from the same types the files are read into ([`super::raw`]), so it cannot
//! drift from what mailsim accepts; the checks that span several fields (shares that sum to 1,
//! windows that do not overlap) stay with mailsim itself (`mailsim validate`).

use super::raw::RawScenario;

/// The JSON Schema (draft 2020-12) of a scenario file written as JSON (TOML and YAML files have
/// the same structure; YAML writes a variant with parameters as a tag, e.g. `!Postfix {}`).
pub fn json_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator();
    let mut schema = generator.into_root_schema_for::<RawScenario>();
    schema.insert("title".into(), "mailsim scenario".into());
    schema.to_value()
}
