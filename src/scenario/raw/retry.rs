//! A sender's `retry` as written: one of the built-in policies (`Postfix(…)`, `Exim(…)`, …, read
//! exactly as [`RetrySpec`] reads them) or `Import(file: "main.cf", format: Postfix)`, the policy
//! in a real MTA's configuration file, read when the scenario is validated.
//!
//! The variant's name is read here and the rest handed to [`RetrySpec::from_variant`], so a
//! policy's parameters keep their positions in error messages, and a misspelt variant lists
//! every policy and `Import`.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use serde::de::{DeserializeSeed, EnumAccess, Error as _, VariantAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::mta::config::ConfigFormat;
use crate::retry::{RetrySpec, VARIANTS};

/// A sender's (or a compared policy's) `retry` as written.
#[derive(Debug, Clone, PartialEq)]
pub enum RawRetry {
    /// A built-in policy with its parameters.
    Spec(RetrySpec),
    /// The policy in an MTA's configuration file.
    Import(RawImport),
}

/// `Import(file: "main.cf", format: Postfix)`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawImport {
    /// The configuration file, relative to the scenario file: `main.cf` or `postconf -n`
    /// output (Postfix), the Exim configuration (Exim), `shaping.toml` or `queues.toml`
    /// (KumoMTA).
    pub file: String,
    /// Its format: `Postfix`, `Exim` or `KumoMta`.
    pub format: ConfigFormat,
}

/// Every variant a `retry` may name: the built-in policies, then `Import`.
static RETRY_VARIANTS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut names = VARIANTS.to_vec();
    names.push("Import");
    names
});

impl<'de> Deserialize<'de> for RawRetry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawRetry, D::Error> {
        deserializer.deserialize_enum("RetrySpec", RETRY_VARIANTS.as_slice(), RetryVisitor)
    }
}

/// Written as it is read: a policy as [`RetrySpec`] writes it, an import as the `Import`
/// variant.
impl Serialize for RawRetry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RawRetry::Spec(spec) => spec.serialize(serializer),
            RawRetry::Import(import) => serializer.serialize_newtype_variant(
                "RetrySpec",
                VARIANTS.len() as u32,
                "Import",
                import,
            ),
        }
    }
}

/// A built-in policy (the schema of [`RetrySpec`]) or `{"Import": {"file": …, "format": …}}`.
impl schemars::JsonSchema for RawRetry {
    fn schema_name() -> Cow<'static, str> {
        "RawRetry".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let spec = generator.subschema_for::<RetrySpec>();
        let import = generator.subschema_for::<RawImport>();
        schemars::json_schema!({
            "description": "A retry policy with its parameters, or the policy in an MTA's configuration file: Import(file: \"main.cf\", format: Postfix).",
            "oneOf": [
                spec,
                {
                    "type": "object",
                    "properties": {"Import": import},
                    "required": ["Import"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

struct RetryVisitor;

impl<'de> Visitor<'de> for RetryVisitor {
    type Value = RawRetry;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a retry policy such as Postfix() or Import(file: …, format: …)")
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<RawRetry, A::Error> {
        let (name, access) = data.variant_seed(VariantName)?;
        if name == "Import" {
            return access.newtype_variant::<RawImport>().map(RawRetry::Import);
        }
        match RetrySpec::from_variant(&name, access) {
            Some(spec) => spec.map(RawRetry::Spec),
            None => Err(A::Error::unknown_variant(&name, RETRY_VARIANTS.as_slice())),
        }
    }
}

/// Reads a variant's name, refusing one that is not a policy or `Import`.
struct VariantName;

impl<'de> DeserializeSeed<'de> for VariantName {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for VariantName {
    type Value = String;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("the name of a retry policy")
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<String, E> {
        if RETRY_VARIANTS.contains(&name) {
            Ok(name.to_string())
        } else {
            Err(E::unknown_variant(name, RETRY_VARIANTS.as_slice()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<RawRetry, String> {
        ron::Options::default()
            .with_default_extension(
                ron::extensions::Extensions::IMPLICIT_SOME
                    | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
            )
            .from_str(text)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn policies_read_as_before_and_import_names_a_file() {
        assert_eq!(
            read("Fixed(interval: \"20m\")").unwrap(),
            RawRetry::Spec(crate::retry::parse_spec("Fixed(interval: \"20m\")").unwrap())
        );
        assert_eq!(
            read("Import(file: \"main.cf\", format: Postfix)").unwrap(),
            RawRetry::Import(RawImport {
                file: "main.cf".into(),
                format: ConfigFormat::Postfix
            })
        );
    }

    #[test]
    fn mistakes_are_located_and_list_the_choices() {
        let error = read("Postfx()").unwrap_err();
        assert!(
            error.contains("Postfix") && error.contains("Import"),
            "{error}"
        );
        let error = read("Fixed(intervl: \"20m\")").unwrap_err();
        assert!(error.contains("intervl"), "{error}");
        let error = read("Import(file: \"main.cf\", format: Sendmail)").unwrap_err();
        assert!(error.contains("Sendmail"), "{error}");
    }
}
