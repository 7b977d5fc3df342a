//! What the OpenAPI document says beyond each handler's own declaration: the path
//! parameters of every templated route, and the error answers that the access gate and
//! the extractors give to every operation. They are added here once, from the same facts
//! the gate works from, so the document is exact without each handler repeating them.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{KnownFormat, OpenApi, Ref, RefOr, Required};

/// Adds the path parameters and the error answers to every operation of `doc`.
pub fn complete(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        for op in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten() {
            declare_path_parameters(path, op);
            document_errors(path, op);
        }
    }
}

/// The names between braces in a route template.
fn template_names(path: &str) -> impl Iterator<Item = &str> {
    path.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// Every path parameter is a record's id, a UUID: the gate answers 404 to anything else.
fn declare_path_parameters(path: &str, op: &mut Operation) {
    let parameters = op.parameters.get_or_insert_with(Vec::new);
    for name in template_names(path) {
        if !parameters.iter().any(|p| p.name == name && p.parameter_in == ParameterIn::Path) {
            parameters.push(id_parameter(name));
        }
    }
}

fn id_parameter(name: &str) -> Parameter {
    let uuid = ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)));
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(format!("The record's id (`{name}`), a UUID. Text that is not a UUID names no record: 404.")))
        .schema(Some(uuid))
        .build()
}

fn is_public(op: &Operation) -> bool {
    // `security(())` in a handler's declaration: one empty requirement.
    op.security.as_ref().is_some_and(|reqs| reqs.iter().all(|r| serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))))
}

fn document_errors(path: &str, op: &mut Operation) {
    let mut answers: Vec<(&str, &str)> = Vec::new();
    if !is_public(op) {
        answers.push(("401", "Not signed in: no bearer token, or one that has expired."));
        answers.push(("403", "The signed-in user's role may not do this."));
    }
    if path.contains('{') {
        answers.push(("404", "No such record, or one the signed-in user may not know of (another council's, or not their own)."));
    }
    if op.request_body.is_some() {
        answers.push(("400", "The body is not well-formed."));
        answers.push(("413", "The body is larger than the service accepts."));
        answers.push(("415", "The body is not sent with the content type this operation takes."));
        answers.push(("422", "The request cannot be done as it stands: each problem names its field."));
    }
    if op.parameters.iter().flatten().any(|p| p.parameter_in == ParameterIn::Query) {
        answers.push(("400", "A query parameter is missing or malformed."));
        answers.push(("422", "The request cannot be done as it stands: each problem names its field."));
    }
    for (status, description) in answers {
        op.responses.responses.entry(status.to_string()).or_insert_with(|| error_response(description));
    }
}

fn error_response(description: &str) -> RefOr<Response> {
    let body = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", body).build())
}
