//! Goals: CRUD with status moves through the core's state machine, monthly progress (upsert),
//! contributions (which raise `current_amount` in the same transaction), trajectory and
//! recommendations.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use lifepath_core::goals::{RecommendInput, Trajectory, recommend, trajectory};
use lifepath_core::models::{
    BudgetSnapshot, ContributionInput, Goal, GoalContribution, GoalInput, GoalPatch, GoalProgress,
    ProgressInput, Recommendation, RecommendationFeedback, Upsert, apply_contribution,
    check_linked_debt, upsert_progress,
};
use lifepath_core::{ContributionId, GoalId, Money, Period, ProgressId};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::AuthUser;
use crate::error::{ApiError, Result};
use crate::extract::path_id;
use crate::extract::{ApiJson, ApiQuery, ClientIp, Day, IfMatch, PageQuery, VersionedJson};
use crate::repo::Repo;
use crate::repo::{self, Page, entity, micros};
use crate::state::AppState;
use crate::store::{Expect, Op, RecordWrite, StoreError};

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get_one, patch, delete))
        .routes(routes!(progress, progress_list))
        .routes(routes!(contribute, contributions))
        .routes(routes!(trajectory_route))
        .routes(routes!(recommendations))
}

/// The user's live goal, or 404.
pub async fn load_goal(s: &AppState, me: &AuthUser, id: &str) -> Result<Goal> {
    s.repo(me, "").get(id).await
}

#[utoipa::path(
    post,
    path = "/goals",
    tag = "goals",
    summary = "Create a goal",
    request_body = GoalInput,
    responses((status = 201, description = "Created", body = Goal)),
    security(("bearer" = [])),
)]
async fn create(
    repo: Repo,
    ApiJson(input): ApiJson<GoalInput>,
) -> Result<(StatusCode, Json<Goal>)> {
    let goal = Goal::create(GoalId(Uuid::now_v7()), repo.me().0, input, repo::now())?;
    if goal.linked_debt_id.is_some() {
        let latest = latest_snapshot(repo.state(), repo.me()).await?;
        check_linked_debt(&goal, None, latest.as_ref().map(|x| &x.budget_model))?;
    }
    repo.create(&goal, "goal.create", json!({"version": 1}))
        .await?;
    Ok((StatusCode::CREATED, Json(goal)))
}

#[utoipa::path(
    get,
    path = "/goals",
    tag = "goals",
    summary = "Goals, newest first",
    params(GoalListQuery),
    responses((status = 200, description = "OK", body = Page<Goal>)),
    security(("bearer" = [])),
)]
async fn list(
    repo: Repo,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Json<Page<Goal>>> {
    let q = GoalListQuery::parse(raw.as_deref().unwrap_or(""))?;
    if q.status.is_none() && q.category.is_none() {
        let page = PageQuery {
            limit: q.limit,
            cursor: q.cursor,
        };
        return Ok(Json(
            repo::page(repo.state(), repo.me().0, entity::GOAL, None, &page).await?,
        ));
    }
    // Filtered: the category is sealed with the goal, so the user's goals (a handful) are
    // read, filtered and paged here, in the same order and with the same cursors as the list.
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let (limit, after) = repo::page_params(&page)?;
    let mut goals: Vec<Goal> = repo.all().await?;
    goals.retain(|g| {
        q.status.as_ref().is_none_or(|s| s.contains(&g.status))
            && q.category.as_ref().is_none_or(|c| c.contains(&g.category))
    });
    let key = |g: &Goal| (repo::micros(g.created_at), g.id.to_string());
    goals.sort_by_key(|g| std::cmp::Reverse(key(g)));
    if let Some(after) = after {
        goals.retain(|g| key(g) < after);
    }
    let more = goals.len() as i64 > limit;
    goals.truncate(limit as usize);
    let next_cursor = if more {
        goals.last().map(|g| {
            let (k, id) = key(g);
            repo::encode_cursor(k, &id)
        })
    } else {
        None
    };
    Ok(Json(Page {
        items: goals,
        next_cursor,
    }))
}

/// `?status=&category=&limit=&cursor=` of the goal list: `status` and `category` may each be
/// given several times (`status=active&status=paused`) or as a comma list (`status=active,paused`);
/// a goal is listed when it has one of the statuses and one of the categories asked for.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct GoalListQuery {
    /// Only goals in these states.
    #[param(style = Form, explode = true)]
    status: Option<Vec<lifepath_core::models::GoalStatus>>,
    /// Only goals of these categories.
    #[param(style = Form, explode = true)]
    category: Option<Vec<lifepath_core::models::GoalCategory>>,
    /// Items per page (default 24).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

impl GoalListQuery {
    fn parse(raw: &str) -> Result<GoalListQuery> {
        let mut q = GoalListQuery {
            status: None,
            category: None,
            limit: None,
            cursor: None,
        };
        fn one_of<T: serde::de::DeserializeOwned>(field: &str, v: &str) -> Result<T> {
            serde_json::from_value(serde_json::Value::String(v.to_owned())).map_err(|_| {
                ApiError::invalid(field, &format!("`{v}` is not a {field} a goal can have"))
            })
        }
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            if v.is_empty() {
                continue;
            }
            match k.as_ref() {
                "status" => {
                    for part in v.split(',').filter(|p| !p.is_empty()) {
                        q.status
                            .get_or_insert_with(Vec::new)
                            .push(one_of("status", part.trim())?);
                    }
                }
                "category" => {
                    for part in v.split(',').filter(|p| !p.is_empty()) {
                        q.category
                            .get_or_insert_with(Vec::new)
                            .push(one_of("category", part.trim())?);
                    }
                }
                "limit" => {
                    q.limit = Some(v.parse().map_err(|_| {
                        ApiError::invalid("limit", "must be a whole number from 1 to 200")
                    })?);
                }
                "cursor" => q.cursor = Some(v.into_owned()),
                _ => {}
            }
        }
        Ok(q)
    }
}

#[utoipa::path(
    get,
    path = "/goals/{id}",
    tag = "goals",
    summary = "One goal; with ?include=progress,contributions, its history too",
    params(("id" = uuid::Uuid, Path, description = "The record's id"), IncludeQuery),
    responses((status = 200, description = "OK", body = GoalWithHistory)),
    security(("bearer" = [])),
)]
async fn get_one(
    State(s): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<IncludeQuery>,
) -> Result<repo::Tagged<GoalWithHistory>> {
    let mut progress = false;
    let mut contributions = false;
    for part in q.include.as_deref().unwrap_or("").split(',') {
        match part.trim() {
            "" => {}
            "progress" => progress = true,
            "contributions" => contributions = true,
            other => {
                return Err(ApiError::invalid(
                    "include",
                    &format!("`{other}` is not one of progress, contributions"),
                ));
            }
        }
    }
    let goal = load_goal(&s, &me, &id).await?;
    let gid = goal.id.to_string();
    // The newest page of each (at most 200); the lists page on from `next_cursor`.
    let first = PageQuery {
        limit: Some(repo::MAX_LIMIT),
        cursor: None,
    };
    let progress = if progress {
        Some(repo::page(&s, me.0, entity::PROGRESS, Some(&gid), &first).await?)
    } else {
        None
    };
    let contributions = if contributions {
        Some(repo::page(&s, me.0, entity::CONTRIBUTION, Some(&gid), &first).await?)
    } else {
        None
    };
    Ok(repo::tagged(
        goal.version,
        GoalWithHistory {
            goal,
            progress,
            contributions,
        },
    ))
}

/// `?include=progress,contributions` of `GET /goals/{id}`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct IncludeQuery {
    /// A comma list of `progress`, `contributions`.
    include: Option<String>,
}

/// A goal and, when asked for, the newest page of its progress entries and contributions
/// (`next_cursor` continues on `GET /goals/{id}/progress` and `…/contributions`).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct GoalWithHistory {
    /// The goal.
    #[serde(flatten)]
    pub goal: Goal,
    /// Progress entries, newest period first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Page<GoalProgress>>,
    /// Contributions, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contributions: Option<Page<GoalContribution>>,
}

#[utoipa::path(
    get,
    path = "/goals/{id}/progress",
    tag = "goals",
    summary = "A goal's progress entries, newest period first",
    params(("id" = uuid::Uuid, Path, description = "The record's id"), PageQuery),
    responses((status = 200, description = "OK", body = Page<GoalProgress>)),
    security(("bearer" = [])),
)]
async fn progress_list(
    State(s): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<GoalProgress>>> {
    let goal = load_goal(&s, &me, &id).await?;
    Ok(Json(
        repo::page(&s, me.0, entity::PROGRESS, Some(&goal.id.to_string()), &q).await?,
    ))
}

#[utoipa::path(
    patch,
    path = "/goals/{id}",
    tag = "goals",
    summary = "Change a goal or move its status",
    request_body = crate::extract::WithVersion<GoalPatch>,
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 200, description = "OK", body = Goal)),
    security(("bearer" = [])),
)]
async fn patch(
    repo: Repo,
    Path(id): Path<String>,
    VersionedJson {
        body: patch,
        expected,
    }: VersionedJson<GoalPatch>,
) -> Result<Json<Goal>> {
    // A new link must name a debt of the latest snapshot: read it only when one is asked for.
    let latest = match patch.linked_debt_id {
        Some(Some(_)) => latest_snapshot(repo.state(), repo.me()).await?,
        _ => None,
    };
    let now = repo::now();
    let next = repo
        .patch(&id, expected, "goal.update", |cur: &Goal| {
            let next = cur.apply_patch(&patch, now)?;
            check_linked_debt(&next, Some(cur), latest.as_ref().map(|x| &x.budget_model))?;
            Ok(next)
        })
        .await?;
    Ok(Json(next))
}

#[utoipa::path(
    delete,
    path = "/goals/{id}",
    tag = "goals",
    summary = "Delete a goal",
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 204, description = "No content")),
    security(("bearer" = [])),
)]
async fn delete(
    repo: Repo,
    IfMatch(if_match): IfMatch,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let cur: Goal = repo.get(&id).await?;
    repo.check_version(&cur, if_match).await?;
    let children = [
        entity::CONTRIBUTION,
        entity::PROGRESS,
        entity::RECOMMENDATION,
    ];
    repo.delete(&cur, &children, "goal.delete").await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/goals/{id}/progress",
    tag = "goals",
    summary = "Create (201) or replace (200) a month's progress",
    request_body = ProgressInput,
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses(
        (status = 201, description = "Created", body = GoalProgress),
        (status = 200, description = "Replaced", body = GoalProgress),
    ),
    security(("bearer" = [])),
)]
async fn progress(
    repo: Repo,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ProgressInput>,
) -> Result<(StatusCode, Json<GoalProgress>)> {
    let key = repo.user().to_owned();
    let goal: Goal = repo.get(&id).await?;
    let gid = goal.id.to_string();
    if let Some(sid) = input.snapshot_id
        && repo
            .state()
            .store
            .get(repo.me().0, entity::SNAPSHOT, &sid.to_string())
            .await?
            .is_none()
    {
        return Err(ApiError::invalid(
            "snapshot_id",
            "is not one of your snapshots",
        ));
    }
    let period = Period::new(input.period_year, input.period_month).ok();
    let existing = match period {
        Some(p) => {
            repo.state()
                .store
                .get_by_period(repo.me().0, entity::PROGRESS, &gid, p.index())
                .await?
        }
        None => None,
    };
    let (mut records, expect) = match &existing {
        Some(row) => (
            vec![repo.state().open_row::<GoalProgress>(&key, row)?],
            Expect::Version(row.version),
        ),
        None => (Vec::new(), Expect::Absent),
    };
    let (record, how) = upsert_progress(
        &mut records,
        goal.id,
        ProgressId(Uuid::now_v7()),
        input,
        repo::now(),
    )?;
    let pid = record.id.to_string();
    let version = existing.as_ref().map_or(1, |r| r.version + 1);
    let write = repo.put(&record, version, expect)?;
    let ev = repo.event_on("goal_progress.upsert", &record, json!({"version": version}));
    repo.write(
        vec![write],
        vec![ev],
        Some((entity::PROGRESS, &pid, version - 1)),
    )
    .await?;
    let status = match how {
        Upsert::Created => StatusCode::CREATED,
        Upsert::Replaced => StatusCode::OK,
    };
    Ok((status, Json(record)))
}

#[utoipa::path(
    post,
    path = "/goals/{id}/contributions",
    tag = "goals",
    summary = "Record a contribution",
    request_body = ContributionInput,
    params(("id" = uuid::Uuid, Path, description = "The record's id")),
    responses((status = 201, description = "Created", body = GoalContribution)),
    security(("bearer" = [])),
)]
async fn contribute(
    repo: Repo,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ContributionInput>,
) -> Result<(StatusCode, Json<GoalContribution>)> {
    let now = repo::now();
    let gid0 = path_id(&id)?;
    let c = GoalContribution::create(ContributionId(Uuid::now_v7()), GoalId(gid0), input, now)?;
    // The goal may change under us (another contribution): re-read and retry, since a
    // contribution carries no expected version and must always apply.
    let mut attempt = 0;
    loop {
        let goal: Goal = repo.get(&id).await?;
        let gid = goal.id.to_string();
        let next = apply_contribution(&goal, &c, now)?;
        let ops = vec![
            repo.put(&c, 1, Expect::Absent)?,
            repo.put(&next, next.version, Expect::Version(goal.version))?,
        ];
        let details = json!({"goal_id": gid, "goal_version": next.version});
        let ev = repo.event_on("goal_contribution.create", &c, details).row();
        match repo.state().store.write(repo.me().0, ops, vec![ev]).await {
            Ok(_) => return Ok((StatusCode::CREATED, Json(c))),
            Err(StoreError::Conflict) if attempt < repo::MAX_RETRIES => {
                attempt += 1;
                repo::backoff(attempt).await;
            }
            Err(StoreError::Conflict) => {
                return Err(repo
                    .state()
                    .conflict(repo.me().0, entity::GOAL, &gid, goal.version)
                    .await);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[utoipa::path(
    get,
    path = "/goals/{id}/contributions",
    tag = "goals",
    summary = "List contributions (newest first)",
    params(("id" = uuid::Uuid, Path, description = "The record's id"), PageQuery),
    responses((status = 200, description = "OK", body = Page<GoalContribution>)),
    security(("bearer" = [])),
)]
async fn contributions(
    State(s): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<GoalContribution>>> {
    let goal = load_goal(&s, &me, &id).await?;
    Ok(Json(
        repo::page(
            &s,
            me.0,
            entity::CONTRIBUTION,
            Some(&goal.id.to_string()),
            &q,
        )
        .await?,
    ))
}

/// Contributions of one goal.
async fn goal_contributions(
    s: &AppState,
    me: &AuthUser,
    goal: &Goal,
) -> Result<Vec<GoalContribution>> {
    let all: Vec<GoalContribution> = s.load_all(me.0, entity::CONTRIBUTION).await?;
    Ok(all.into_iter().filter(|c| c.goal_id == goal.id).collect())
}

/// The latest snapshot of the user.
async fn latest_snapshot(s: &AppState, me: &AuthUser) -> Result<Option<BudgetSnapshot>> {
    let rows = s
        .store
        .list(me.0, entity::SNAPSHOT, None, None, 1, None)
        .await?;
    rows.first().map(|r| s.open_row(&me.key(), r)).transpose()
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `?monthly_contribution=&as_of=` of a trajectory (both optional).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TrajectoryQuery {
    /// What-if monthly contribution, such as `250.00`.
    monthly_contribution: Option<Money>,
    /// The day to compute on (default today), `YYYY-MM-DD`.
    #[param(value_type = Option<chrono::NaiveDate>)]
    as_of: Option<Day>,
}

/// `?as_of=` (default today).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AsOfQuery {
    /// The day to compute on (default today), `YYYY-MM-DD`.
    #[param(value_type = Option<chrono::NaiveDate>)]
    as_of: Option<Day>,
}

#[utoipa::path(
    get,
    path = "/goals/{id}/trajectory",
    tag = "goals",
    summary = "Trajectory (?monthly_contribution&as_of)",
    params(("id" = uuid::Uuid, Path, description = "The record's id"), TrajectoryQuery),
    responses((status = 200, description = "OK", body = Trajectory)),
    security(("bearer" = [])),
)]
async fn trajectory_route(
    State(s): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<TrajectoryQuery>,
) -> Result<Json<Trajectory>> {
    let goal = load_goal(&s, &me, &id).await?;
    let c = q.monthly_contribution;
    let as_of = q.as_of.map_or_else(today, |d| d.0);
    let contributions = goal_contributions(&s, &me, &goal).await?;
    let latest = latest_snapshot(&s, &me).await?;
    Ok(Json(trajectory(
        &goal,
        &contributions,
        c,
        latest.as_ref().map(|x| &x.budget_model),
        as_of,
    )?))
}

#[utoipa::path(
    get,
    path = "/goals/{id}/recommendations",
    tag = "goals",
    summary = "Recommendations (?as_of)",
    params(("id" = uuid::Uuid, Path, description = "The record's id"), AsOfQuery),
    responses((status = 200, description = "OK", body = Page<Recommendation>)),
    security(("bearer" = [])),
)]
async fn recommendations(
    State(s): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Json<Page<Recommendation>>> {
    let key = me.key();
    let goal = load_goal(&s, &me, &id).await?;
    let as_of = q.as_of.map_or_else(today, |d| d.0);
    let stored_rows = s.store.list_all(me.0, entity::RECOMMENDATION).await?;
    let mut stored: Vec<(Recommendation, i64)> = Vec::new();
    for r in &stored_rows {
        stored.push((s.open_row(&key, r)?, r.version));
    }
    let input = RecommendInput {
        goals: s.load_all(me.0, entity::GOAL).await?,
        contributions: s.load_all(me.0, entity::CONTRIBUTION).await?,
        snapshot: latest_snapshot(&s, &me).await?,
        recommendations: stored.iter().map(|(r, _)| r.clone()).collect(),
        feedback: s
            .load_all::<RecommendationFeedback>(me.0, entity::FEEDBACK)
            .await?,
    };
    let proposed: Vec<Recommendation> = recommend(&input, as_of)?
        .into_iter()
        .filter(|r| r.goal_id == goal.id)
        .collect();
    // Keep the proposals so feedback and the implemented flag can refer to them; a proposal
    // that exists already keeps what the user said about it.
    let mut ops = Vec::new();
    let mut items = Vec::new();
    for r in proposed {
        let rid = r.id.to_string();
        match stored.iter().find(|(x, _)| x.id == r.id) {
            Some((x, _)) => items.push(x.clone()),
            None => {
                ops.push(Op::Put(RecordWrite {
                    entity: entity::RECOMMENDATION,
                    id: rid.clone(),
                    parent_id: goal.id.to_string(),
                    sort_key: micros(repo::now()),
                    period: None,
                    status: None,
                    unique_key: None,
                    version: 1,
                    expect: Expect::Absent,
                    sealed: s.seal(&key, entity::RECOMMENDATION, &rid, &r)?,
                    created_at: micros(r.created_at),
                    updated_at: micros(repo::now()),
                }));
                items.push(r);
            }
        }
    }
    if !ops.is_empty() {
        let ev = AuditEvent::new("recommendation.propose")
            .user(&key)
            .record(entity::GOAL, goal.id.to_string())
            .ip(&ip)
            .details(json!({"count": ops.len()}))
            .row();
        match s.store.write(me.0, ops, vec![ev]).await {
            // A concurrent request stored the same proposals: theirs are as good as ours.
            Ok(_) | Err(StoreError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Json(Page {
        items,
        next_cursor: None,
    }))
}
