//! Closed lists of codes (categories, statuses, streams) with their words for people.

/// Declares an enum whose variants each have a stable code (API, files, database) and a
/// label for people, with parsing that names the allowed codes when given an unknown one.
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $code)] $variant),+ }

        // Written out, not derived: the derive does not see a rename given as a macro
        // argument, and would document the Rust names instead of the codes that are sent.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
                let labels: Vec<String> = $name::ALL.iter().map(|v| format!("`{}`: {}", v.code(), v.label())).collect();
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .enum_values(Some([$($code),+]))
                    .description(Some(labels.join("; ")))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable code used in the API, files and the database.
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            /// The words shown to people.
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            pub fn from_code(code: &str) -> Option<$name> { $name::ALL.iter().copied().find(|v| v.code() == code) }
            /// Reads a code, adding a problem that lists the allowed codes when it is unknown.
            pub fn parse(problems: &mut $crate::validation::Problems, field: &str, code: &str) -> Option<$name> {
                let found = $name::from_code(code.trim());
                if found.is_none() {
                    let codes: Vec<&str> = $name::ALL.iter().map(|v| v.code()).collect();
                    problems.add(field, format!("'{}' is not one of: {}", code.trim(), codes.join(", ")));
                }
                found
            }
        }
    };
}

pub(crate) use coded_enum;
