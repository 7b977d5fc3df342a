//! The commissioner's dashboard: uptake, and spending by kind of support over time, as
//! server-drawn SVG charts with the same figures in tables. Aggregates only: no names.

use crate::auth::{Nav, SignedIn};
use crate::learning::charts::{bar_chart, column_chart, pounds};
use crate::pages::{render, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use selfdirect_domain::ids::CouncilId;
use selfdirect_domain::learning::market::{forecast, trends, Trend};
use selfdirect_domain::Money;
use selfdirect_store::{Council, SpendingDimension};
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/councils/{council_id}/dashboard", get(dashboard)).route("/councils/{council_id}/dashboard/spending.csv", get(spending_export))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Option<Nav>,
    council: Council,
    long_term: i64,
    personal_budget: String,
    direct_payment: String,
    by_category: Vec<(String, Money)>,
    by_month: Vec<(String, Money)>,
    category_chart: String,
    month_chart: String,
    groups: Vec<GroupRow>,
    trends: Vec<Trend>,
    forecast: Vec<(String, Money)>,
    journey: Vec<selfdirect_domain::learning::uptake::MonthJourney>,
    new_holders_chart: String,
    uptake_chart: String,
    surveys: Vec<selfdirect_store::SurveyResults>,
    providers: Vec<selfdirect_store::ProviderIncomeRow>,
    by_area: Vec<(String, Money)>,
    area_chart: String,
}

struct GroupRow {
    group: &'static str,
    long_term: i64,
    personal_budget: String,
    direct_payment: String,
}

async fn dashboard(State(s): State<AppState>, me: SignedIn, Path(council_id): Path<CouncilId>) -> PageResult {
    let council = s.store.council(council_id).await?;
    let uptake = s.store.uptake(council_id, None).await?.uptake;
    let spending = s.store.spending_by_category(council_id).await?;
    let mut by_category: BTreeMap<&'static str, Money> = BTreeMap::new();
    let mut by_month: BTreeMap<String, Money> = BTreeMap::new();
    let mut by_category_month: BTreeMap<(String, String), Money> = BTreeMap::new();
    for row in &spending {
        let label = row.category.map(|c| c.label()).unwrap_or("Not tied to a plan line");
        *by_category.entry(label).or_default() += row.spent;
        *by_month.entry(row.month.clone()).or_default() += row.spent;
        *by_category_month.entry((label.to_string(), row.month.clone())).or_default() += row.spent;
    }
    // Every month from the first to the last with spending, so a quiet month counts as nothing.
    let months = month_range(by_month.keys().next(), by_month.keys().next_back());
    let trends = trends(&months, &by_category_month, 3, 20);
    let series: Vec<Money> = months.iter().map(|m| by_month.get(m).copied().unwrap_or_default()).collect();
    let future = month_range(months.last(), None).into_iter().skip(1).take(12);
    let forecast: Vec<(String, Money)> = future.zip(forecast(&series, 12)).collect();
    let mut by_category: Vec<(String, Money)> = by_category.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    by_category.sort_by_key(|row| std::cmp::Reverse(row.1));
    let by_month: Vec<(String, Money)> = by_month.into_iter().collect();
    let percent = |n: i64, p: Option<rust_decimal::Decimal>| p.map(|p| format!("{n} ({p}%)")).unwrap_or_else(|| n.to_string());
    let groups = s
        .store
        .uptake_by_group(council_id, None)
        .await?
        .into_iter()
        .map(|(g, u)| GroupRow {
            group: g.label(),
            long_term: u.counts.long_term_support,
            personal_budget: percent(u.counts.personal_budget, u.personal_budget_percent),
            direct_payment: percent(u.counts.direct_payment, u.direct_payment_percent),
        })
        .collect();
    let journey = s.store.monthly_journey(council_id).await?;
    let series = s.store.uptake_series(council_id, 12, None).await?;
    let surveys = s.store.survey_results(council_id).await?;
    let providers = s.store.provider_income(council_id, 12).await?;
    // The latest 12 months with spending, by postcode district, largest first.
    let areas = s.store.spending_by(council_id, selfdirect_store::SpendingDimension::Area).await?;
    let since = months.len().checked_sub(12).and_then(|i| months.get(i)).cloned().unwrap_or_default();
    let mut by_area: BTreeMap<String, Money> = BTreeMap::new();
    for cell in areas.into_iter().filter(|c| c.month >= since) {
        *by_area.entry(cell.key).or_default() += cell.spent;
    }
    let mut by_area: Vec<(String, Money)> = by_area.into_iter().collect();
    by_area.sort_by_key(|row| std::cmp::Reverse(row.1));
    // Tenths of a percent, so the chart's scale keeps the decimal place.
    let tenths = |p: Option<rust_decimal::Decimal>| p.map(|p| (p * rust_decimal::Decimal::TEN).trunc().try_into().unwrap_or(0i64)).unwrap_or(0);
    let dp_share: Vec<(String, i64)> = series.iter().map(|u| (u.as_of.to_string()[..7].to_string(), tenths(u.uptake.direct_payment_percent))).collect();
    let holders: Vec<(String, i64)> = journey.iter().map(|m| (m.month.clone(), m.new_budget_holders)).collect();
    let in_pence = |rows: &[(String, Money)]| rows.iter().map(|(k, v)| (k.clone(), v.pence())).collect::<Vec<_>>();
    let page = DashboardPage {
        nav: me.nav(),
        long_term: uptake.counts.long_term_support,
        personal_budget: percent(uptake.counts.personal_budget, uptake.personal_budget_percent),
        direct_payment: percent(uptake.counts.direct_payment, uptake.direct_payment_percent),
        category_chart: bar_chart("spend-by-category", "Spending by kind of support", &in_pence(&by_category), pounds),
        month_chart: column_chart("spend-by-month", "Spending by month", &in_pence(&by_month), pounds),
        new_holders_chart: column_chart("new-holders", "New budget holders by month", &holders, |n| format!("{n} people")),
        uptake_chart: column_chart("dp-share", "Share of people on long-term support with a direct payment, month by month", &dp_share, |t| {
            format!("{}.{}%", t / 10, t % 10)
        }),
        groups,
        surveys,
        area_chart: bar_chart("spend-by-area", "Spending in the latest 12 months by postcode district", &in_pence(&by_area), pounds),
        providers,
        by_area,
        trends,
        forecast,
        journey,
        by_category,
        by_month,
        council,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(serde::Deserialize)]
struct ExportQuery {
    /// `category` (the default), `provider`, `area` or `mechanism`.
    #[serde(default)]
    by: Option<SpendingDimension>,
}

/// The dashboard's spending figures as CSV, for commissioners' own analysis.
async fn spending_export(State(s): State<AppState>, _me: SignedIn, Path(council_id): Path<CouncilId>, Query(q): Query<ExportQuery>) -> PageResult {
    let council = s.store.council(council_id).await?;
    let dimension = q.by.unwrap_or(SpendingDimension::Category);
    let csv = selfdirect_store::spending_csv(dimension, &s.store.spending_by(council_id, dimension).await?);
    let disposition = format!("attachment; filename=\"spending-by-{}-{}.csv\"", dimension.csv_column(), council.code.to_lowercase());
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], csv).into_response())
}

/// `YYYY-MM` months from `first` to `last` inclusive; with no `last`, the 13 months from `first`.
fn month_range(first: Option<&String>, last: Option<&String>) -> Vec<String> {
    let parse = |m: &String| -> Option<(i32, u32)> { Some((m.get(0..4)?.parse().ok()?, m.get(5..7)?.parse().ok()?)) };
    let Some((mut y, mut m)) = first.and_then(parse) else { return Vec::new() };
    let end = last.and_then(parse);
    let mut out = Vec::new();
    loop {
        out.push(format!("{y:04}-{m:02}"));
        if end.map_or(out.len() >= 13, |e| (y, m) >= e) {
            return out;
        }
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
}

#[cfg(test)]
mod tests {
    use super::month_range;

    #[test]
    fn month_ranges_cross_the_year() {
        assert_eq!(month_range(Some(&"2026-11".into()), Some(&"2027-02".into())), ["2026-11", "2026-12", "2027-01", "2027-02"]);
        assert_eq!(month_range(Some(&"2026-12".into()), None).len(), 13);
        assert_eq!(month_range(Some(&"2026-12".into()), None)[1], "2027-01");
        assert!(month_range(None, None).is_empty());
    }
}
