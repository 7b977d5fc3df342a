//! The OpenAPI document says exactly what the service does (probe finding 9): every path
//! parameter is declared in the path, every query parameter in the query, enums carry the
//! codes the service sends, and the error answers every operation can give are listed.
//! schemathesis, run by `.ci/run` against the served document, is the outside judge; this
//! test keeps the shape from slipping between its runs.

use serde_json::Value;
use std::collections::BTreeSet;

fn document() -> Value {
    serde_json::to_value(selfdirect_web::openapi()).unwrap()
}

/// Each operation with its method and path.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            all.push((method.clone(), path.clone(), op.clone()));
        }
    }
    all
}

fn template_names(path: &str) -> BTreeSet<String> {
    path.split('{').skip(1).filter_map(|rest| rest.split_once('}')).map(|(name, _)| name.to_string()).collect()
}

fn parameters_in<'a>(op: &'a Value, place: &str) -> Vec<&'a Value> {
    op["parameters"].as_array().map(|ps| ps.iter().filter(|p| p["in"] == place).collect()).unwrap_or_default()
}

#[test]
fn every_path_parameter_is_declared_in_the_path_and_nothing_else_is() {
    let doc = document();
    let mut wrong = Vec::new();
    for (method, path, op) in operations(&doc) {
        let declared: BTreeSet<String> = parameters_in(&op, "path").iter().map(|p| p["name"].as_str().unwrap().to_string()).collect();
        if declared != template_names(&path) {
            wrong.push(format!("{method} {path}: path parameters {declared:?}"));
        }
        for p in parameters_in(&op, "path") {
            if p["required"] != true {
                wrong.push(format!("{method} {path}: {} not required", p["name"]));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn enums_carry_the_codes_the_service_sends() {
    let doc = document();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let codes = |name: &str| -> Vec<String> {
        schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no enum: {}", schemas[name]))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    use selfdirect_domain::person::ClientGroup;
    use selfdirect_domain::plan::PlanStatus;
    assert_eq!(codes("ClientGroup"), ClientGroup::ALL.iter().map(|c| c.code().to_string()).collect::<Vec<_>>());
    assert_eq!(codes("PlanStatus"), PlanStatus::ALL.iter().map(|c| c.code().to_string()).collect::<Vec<_>>());
    // No enum anywhere in the document spells a value the Rust way (PascalCase).
    let pascal: Vec<String> = schemas
        .iter()
        .filter_map(|(name, s)| s["enum"].as_array().map(|values| (name, values)))
        .flat_map(|(name, values)| values.iter().filter(|v| v.as_str().is_some_and(|t| t.chars().any(char::is_uppercase))).map(move |v| format!("{name}: {v}")))
        .collect();
    assert!(pascal.is_empty(), "{pascal:?}");
}

#[test]
fn the_errors_every_operation_can_give_are_documented() {
    let doc = document();
    let mut missing = Vec::new();
    for (method, path, op) in operations(&doc) {
        let responses: BTreeSet<&str> = op["responses"].as_object().unwrap().keys().map(String::as_str).collect();
        let public = op["security"].as_array().is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(|o| o.is_empty())));
        let mut want = vec![];
        if !public {
            want.extend(["401", "403"]);
        }
        if path.contains('{') {
            want.push("404");
        }
        if !op["requestBody"].is_null() {
            want.extend(["400", "415", "422"]);
        }
        if !parameters_in(&op, "query").is_empty() {
            want.extend(["400", "422"]);
        }
        for code in want {
            if !responses.contains(code) {
                missing.push(format!("{method} {path}: {code}"));
            }
        }
    }
    assert!(missing.is_empty(), "{} undocumented answers: {missing:#?}", missing.len());
}

#[test]
fn write_the_document_for_inspection() {
    if let Ok(path) = std::env::var("SELFDIRECT_WRITE_OPENAPI") {
        std::fs::write(path, serde_json::to_string_pretty(&document()).unwrap()).unwrap();
    }
}
