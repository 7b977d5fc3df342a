//! Step 4 (continued): funding streams. A budget may combine money from several
//! funders; each stream keeps its own rules about what it pays for and how it is held.
//! Which streams exist, and their rules, is configuration (`config/funding-streams.toml`).

use crate::codes::coded_enum;
use crate::deployment::DeploymentOption;
use crate::plan::ServiceCategory;
use crate::validation::Problems;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

/// The funding streams shipped with selfdirect.
pub const STANDARD_STREAMS_TOML: &str = include_str!("../../../../config/funding-streams.toml");

/// A funding stream's code, e.g. `adult_social_care`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "adult_social_care"))]
// Shared text: a stream is named on every posting and every claim, so copying it must be cheap.
pub struct FundingStream(Arc<str>);

impl FundingStream {
    /// A code as stored or configured; whether it is a known stream is checked by [`FundingStreams`].
    pub fn new(code: impl Into<String>) -> FundingStream {
        FundingStream(Arc::from(code.into()))
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    /// The code in words, for messages made without the configuration at hand.
    pub fn words(&self) -> String {
        self.0.replace('_', " ")
    }
}

impl fmt::Display for FundingStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

coded_enum!(
    /// What money from a direct payment or ISF was spent on, as recorded in returns.
    SpendingPurpose {
        CareAndSupport => ("care_and_support", "Care and support"),
        PersonalAssistantCosts => ("personal_assistant_costs", "Personal assistant wages, tax, pension and insurance"),
        Equipment => ("equipment", "Equipment and adaptations"),
        Activities => ("activities", "Activities, leisure and learning"),
        Transport => ("transport", "Transport"),
        Respite => ("respite", "Respite and short breaks"),
        Housing => ("housing", "Housing-related support"),
        Alcohol => ("alcohol", "Alcohol"),
        Tobacco => ("tobacco", "Tobacco"),
        Gambling => ("gambling", "Gambling"),
        DebtRepayment => ("debt_repayment", "Repaying debt"),
        NhsCoreServices => ("nhs_core_services", "Services the NHS provides free, such as GP or emergency care"),
        Other => ("other", "Other"),
    }
);

/// One stream's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamRules {
    pub code: FundingStream,
    pub name: String,
    pub funder: String,
    pub direct_payment_allowed: bool,
    /// When set, the only service categories this stream pays for.
    pub allowed_categories: Option<Vec<ServiceCategory>>,
    pub prohibited_purposes: Vec<SpendingPurpose>,
}

/// The configured streams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundingStreams {
    pub streams: Vec<StreamRules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamsFile {
    streams: Vec<StreamFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamFile {
    code: toml::Spanned<String>,
    name: String,
    funder: String,
    direct_payment_allowed: bool,
    #[serde(default)]
    allowed_categories: Option<Vec<String>>,
    #[serde(default)]
    prohibited_purposes: Vec<String>,
}

/// A configuration file that cannot be used, with the file's name and every problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name} cannot be used: {problems}")]
pub struct ConfigError {
    pub source_name: String,
    pub problems: Problems,
}

impl FundingStreams {
    pub fn standard() -> FundingStreams {
        FundingStreams::from_toml("funding-streams.toml", STANDARD_STREAMS_TOML).expect("the shipped streams are valid")
    }

    pub fn from_toml(source_name: &str, text: &str) -> Result<FundingStreams, ConfigError> {
        let fail = |problems| ConfigError { source_name: source_name.to_string(), problems };
        let lines = crate::assessment::Lines(text);
        let file: StreamsFile = toml::from_str(text).map_err(|e| {
            let mut p = Problems::new();
            let at = e.span().map(|s| format!("line {}", text[..s.start.min(text.len())].matches('\n').count() + 1)).unwrap_or_else(|| "file".into());
            p.add(at, e.message().to_string());
            fail(p)
        })?;
        let mut p = Problems::new();
        if file.streams.is_empty() {
            p.add("streams", "at least one funding stream is required");
        }
        let mut seen = HashSet::new();
        let mut streams = Vec::new();
        for (i, s) in file.streams.into_iter().enumerate() {
            let at = |f: &str| crate::assessment::located(format!("streams[{i}].{f}"), lines.at(&s.code));
            let code = s.code.get_ref().trim().to_string();
            if code.is_empty() || !code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                p.add(at("code"), format!("'{code}' must be lower-case letters, digits and underscores"));
            }
            if !seen.insert(code.clone()) {
                p.add(at("code"), format!("stream '{code}' is listed twice"));
            }
            let allowed = s
                .allowed_categories
                .as_ref()
                .map(|cats| cats.iter().filter_map(|c| ServiceCategory::parse(&mut p, &at("allowed_categories"), c)).collect::<Vec<_>>());
            let prohibited = s.prohibited_purposes.iter().filter_map(|c| SpendingPurpose::parse(&mut p, &at("prohibited_purposes"), c)).collect();
            streams.push(StreamRules {
                code: FundingStream::new(code),
                name: s.name,
                funder: s.funder,
                direct_payment_allowed: s.direct_payment_allowed,
                allowed_categories: allowed,
                prohibited_purposes: prohibited,
            });
        }
        if !p.is_empty() {
            return Err(fail(p));
        }
        Ok(FundingStreams { streams })
    }

    /// The stream a plan line gets when none is named.
    pub fn default_stream(&self) -> FundingStream {
        self.streams[0].code.clone()
    }

    pub fn get(&self, stream: &FundingStream) -> Option<&StreamRules> {
        self.streams.iter().find(|s| &s.code == stream)
    }

    /// The stream's name, or its code in words if it is not configured (any more).
    pub fn label(&self, stream: &FundingStream) -> String {
        self.get(stream).map(|s| s.name.clone()).unwrap_or_else(|| stream.words())
    }

    /// Reads a stream code, adding a problem naming the configured codes when it is unknown.
    pub fn parse(&self, p: &mut Problems, field: &str, code: &str) -> Option<FundingStream> {
        let stream = FundingStream::new(code.trim());
        if self.get(&stream).is_some() {
            return Some(stream);
        }
        let codes: Vec<&str> = self.streams.iter().map(|s| s.code.code()).collect();
        p.add(field, format!("'{}' is not a funding stream; use one of: {}", code.trim(), codes.join(", ")));
        None
    }

    /// Whether the stream may pay for this kind of service.
    pub fn check_category(&self, p: &mut Problems, field: &str, stream: &FundingStream, category: ServiceCategory) {
        if let Some(rules) = self.get(stream) {
            if let Some(allowed) = &rules.allowed_categories {
                if !allowed.contains(&category) {
                    let names: Vec<&str> = allowed.iter().map(|c| c.label()).collect();
                    p.add(field, format!("{} pays only for: {}; not for {}", rules.name, names.join(", "), category.label().to_lowercase()));
                }
            }
        }
    }

    /// Whether the stream may be held this way.
    pub fn check_deployment(&self, p: &mut Problems, field: &str, stream: &FundingStream, option: DeploymentOption) {
        if let Some(rules) = self.get(stream) {
            if option == DeploymentOption::DirectPayment && !rules.direct_payment_allowed {
                p.add(field, format!("{} cannot be taken as a direct payment", rules.name));
            }
        }
    }

    /// Whether money from the stream may be spent for this purpose.
    pub fn check_purpose(&self, p: &mut Problems, field: &str, stream: &FundingStream, purpose: SpendingPurpose) {
        if let Some(rules) = self.get(stream) {
            if rules.prohibited_purposes.contains(&purpose) {
                p.add(field, format!("{} may not be spent on {}", rules.name, purpose.label().to_lowercase()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_streams_load_with_their_rules() {
        let s = FundingStreams::standard();
        assert_eq!(s.default_stream().code(), "adult_social_care");
        let nhs = FundingStream::new("nhs_personal_health_budget");
        let mut p = Problems::new();
        s.check_purpose(&mut p, "purpose", &nhs, SpendingPurpose::Alcohol);
        s.check_purpose(&mut p, "purpose", &nhs, SpendingPurpose::CareAndSupport);
        s.check_deployment(&mut p, "deployment", &FundingStream::new("disabled_facilities_grant"), DeploymentOption::DirectPayment);
        s.check_category(&mut p, "category", &FundingStream::new("supporting_people"), ServiceCategory::Leisure);
        let problems: Vec<_> = p.as_slice().iter().map(|e| e.problem.clone()).collect();
        assert_eq!(
            problems,
            [
                "NHS personal health budget may not be spent on alcohol",
                "Disabled Facilities Grant cannot be taken as a direct payment",
                "Supporting People (housing-related support) pays only for: Housing-related support; not for leisure and community activities",
            ]
        );
        let mut p = Problems::new();
        assert_eq!(s.parse(&mut p, "stream", "lottery"), None);
        assert!(p.to_string().contains("'lottery' is not a funding stream; use one of: adult_social_care"));
    }

    #[test]
    fn bad_files_are_refused_with_lines() {
        let text = STANDARD_STREAMS_TOML.replace("code = \"carers_support\"", "code = \"adult_social_care\"").replace("\"nhs_core_services\"]", "\"crisps\"]");
        let err = FundingStreams::from_toml("streams.toml", &text).unwrap_err().to_string();
        assert!(err.contains("stream 'adult_social_care' is listed twice"), "{err}");
        assert!(err.contains("'crisps' is not one of"), "{err}");
        assert!(err.contains("streams[1].code (line "), "{err}");
    }
}
