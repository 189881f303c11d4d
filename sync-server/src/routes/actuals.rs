//! A month built from the transactions, and the plan against it (issue 15, DESIGN §3
//! "Actuals"): core's `monthly_actuals` and `plan_vs_actual` over the user's rows.

use axum::Json;
use lifepath_core::Period;
use lifepath_core::actuals::{
    MonthlyActuals, PlanVsActual, Transaction, monthly_actuals, plan_for, plan_vs_actual,
};
use lifepath_core::models::BudgetSnapshot;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, Result};
use crate::extract::{ApiQuery, Day};
use crate::repo::{self, Repo};
use crate::state::AppState;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(actuals))
        .routes(routes!(plan_route))
}

/// `?period=YYYY-MM`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ActualsQuery {
    /// The month, YYYY-MM.
    period: Period,
}

#[utoipa::path(
    get,
    path = "/budgets/actuals",
    tag = "budgets",
    summary = "A month added up from the transactions: income, spending per category",
    params(ActualsQuery),
    responses((status = 200, description = "OK", body = MonthlyActuals)),
    security(("bearer" = [])),
)]
async fn actuals(repo: Repo, ApiQuery(q): ApiQuery<ActualsQuery>) -> Result<Json<MonthlyActuals>> {
    let rows: Vec<Transaction> = repo.all().await?;
    crate::usage::analytics_read(repo.state(), repo.me().0);
    Ok(Json(monthly_actuals(&rows, q.period)))
}

/// `?period=YYYY-MM&as_of=YYYY-MM-DD`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PlanQuery {
    /// The month, YYYY-MM.
    period: Period,
    /// The day the pace is measured at (default today, UTC); the pace is given only when it
    /// falls in `period`.
    #[param(value_type = Option<chrono::NaiveDate>)]
    as_of: Option<Day>,
}

#[utoipa::path(
    get,
    path = "/budgets/plan-vs-actual",
    tag = "budgets",
    summary = "The month's budget (its snapshot, else the latest one before it) against its transactions",
    params(PlanQuery),
    responses((status = 200, description = "OK", body = PlanVsActual)),
    security(("bearer" = [])),
)]
async fn plan_route(repo: Repo, ApiQuery(q): ApiQuery<PlanQuery>) -> Result<Json<PlanVsActual>> {
    let snapshots: Vec<BudgetSnapshot> = repo.all().await?;
    let plan = plan_for(&snapshots, q.period).ok_or(ApiError::NotFound)?;
    let rows: Vec<Transaction> = repo.all().await?;
    let as_of = q
        .as_of
        .map(|Day(d)| d)
        .unwrap_or_else(|| repo::now().date_naive());
    crate::usage::analytics_read(repo.state(), repo.me().0);
    Ok(Json(plan_vs_actual(
        &plan.budget_model,
        &monthly_actuals(&rows, q.period),
        Some(as_of),
    )))
}
