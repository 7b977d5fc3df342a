//! Step 7 in the API: market intelligence from the spending rollup — spending sliced by
//! kind of support, provider, area or how the money is held; block contracts; and each
//! provider's income from personal budgets against block contracts.

use crate::api::{ApiJson, ApiQuery};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use selfdirect_domain::ids::CouncilId;
use selfdirect_store::{BlockContractInput, BlockContractRecord, ProviderIncomeRow, SpendingCell, SpendingDimension};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, ApiError>;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(spending)).routes(routes!(block_contracts, add_block_contract)).routes(routes!(provider_income))
}

#[derive(OpenApi)]
#[openapi(components(schemas(SpendingDimension)))]
pub struct MarketApi;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SpendingQuery {
    /// `category`, `provider`, `area` (postcode district) or `mechanism`.
    by: SpendingDimension,
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/spending", tag = "learning", params(SpendingQuery),
    responses((status = 200, description = "Spending per month and value of the dimension, oldest first; key '' means none (no plan line; personal assistants, who are not named)", body = Vec<SpendingCell>),
        (status = 422, body = ErrorBody)))]
async fn spending(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiQuery(q): ApiQuery<SpendingQuery>) -> ApiResult<Json<Vec<SpendingCell>>> {
    Ok(Json(s.store.spending_by(council_id, q.by).await?))
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/block-contracts", tag = "learning",
    responses((status = 200, body = Vec<BlockContractRecord>)))]
async fn block_contracts(State(s): State<AppState>, Path(council_id): Path<CouncilId>) -> ApiResult<Json<Vec<BlockContractRecord>>> {
    Ok(Json(s.store.block_contracts(council_id).await?))
}

#[utoipa::path(post, path = "/api/v1/councils/{council_id}/block-contracts", tag = "learning", request_body = BlockContractInput,
    responses((status = 201, body = BlockContractRecord), (status = 422, body = ErrorBody)))]
async fn add_block_contract(
    State(s): State<AppState>,
    Path(council_id): Path<CouncilId>,
    ApiJson(b): ApiJson<BlockContractInput>,
) -> ApiResult<(StatusCode, Json<BlockContractRecord>)> {
    Ok((StatusCode::CREATED, Json(s.store.add_block_contract(council_id, &b).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncomeQuery {
    /// Months in each window compared (1 to 24); 12 if left out.
    #[serde(default)]
    months: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/provider-income", tag = "learning", params(IncomeQuery),
    responses((status = 200, description = "Per provider, income from personal budgets and block contracts in the latest window, and the personal-budget share then and in the window before", body = Vec<ProviderIncomeRow>),
        (status = 422, body = ErrorBody)))]
async fn provider_income(
    State(s): State<AppState>,
    Path(council_id): Path<CouncilId>,
    ApiQuery(q): ApiQuery<IncomeQuery>,
) -> ApiResult<Json<Vec<ProviderIncomeRow>>> {
    let months = q.months.unwrap_or(12);
    if !(1..=24).contains(&months) {
        let mut p = selfdirect_domain::Problems::new();
        p.add("months", format!("{months} is not between 1 and 24"));
        return Err(ApiError::invalid(p.into_vec()));
    }
    Ok(Json(s.store.provider_income(council_id, months).await?))
}
