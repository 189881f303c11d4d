//! Creating and editing budget sessions: stages only move forward, and a session can only be
//! final with a valid budget model in `final`, which is what a snapshot is saved from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{SessionId, UserId};
use crate::models::{BudgetModel, BudgetSession, SessionStage, double_option};
use crate::validate::{Validate, Validator, from_value, join};

/// `POST /budgets/sessions`: a new draft.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInput {
    /// The draft budget (free-form JSON; an empty object when absent).
    #[serde(default)]
    pub draft: Option<serde_json::Value>,
    /// What the user asked for (≤ 2000 characters).
    #[serde(default)]
    pub user_query: Option<String>,
    /// The user's profile at the time.
    #[serde(default)]
    pub user_profile: Option<serde_json::Value>,
}

/// `PATCH /budgets/sessions/{id}`: absent fields stay, `null` clears an optional one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionPatch {
    /// New stage (forward only).
    #[serde(default)]
    pub stage: Option<SessionStage>,
    /// New draft.
    #[serde(default)]
    pub draft: Option<serde_json::Value>,
    /// New partial budget.
    #[serde(default, with = "double_option")]
    pub partial: Option<Option<serde_json::Value>>,
    /// New final budget (must be a valid budget model once the stage is final).
    #[serde(rename = "final", default, with = "double_option")]
    pub final_: Option<Option<serde_json::Value>>,
    /// New query.
    #[serde(default, with = "double_option")]
    pub user_query: Option<Option<String>>,
    /// New profile.
    #[serde(default, with = "double_option")]
    pub user_profile: Option<Option<serde_json::Value>>,
    /// The version the client last saw.
    #[serde(default)]
    pub version: Option<i64>,
}

fn check_query(v: &mut Validator, q: &Option<String>) {
    if let Some(q) = q {
        v.text(join("", "user_query"), q, 0, 2000);
    }
}

impl Validate for SessionInput {
    fn validate_into(&self, v: &mut Validator, _path: &str) {
        check_query(v, &self.user_query);
    }
}

/// The budget model of a session's `final` value, with field paths under `final`.
pub fn final_budget(value: &Option<serde_json::Value>) -> Result<BudgetModel> {
    let Some(value) = value else {
        return Err(Error::invalid(
            "final",
            "a final session needs a budget model in `final`",
        ));
    };
    let model: BudgetModel = from_value(value.clone()).map_err(|e| {
        let errors = e
            .field_errors()
            .into_iter()
            .map(|mut f| {
                f.field = if f.field.is_empty() {
                    "final".into()
                } else {
                    format!("final.{}", f.field)
                };
                f
            })
            .collect();
        Error::Validation(crate::ValidationErrors(errors))
    })?;
    let mut v = Validator::default();
    model.validate_into(&mut v, "final");
    v.finish()?;
    Ok(model)
}

impl BudgetSession {
    /// A new draft session (version 1).
    pub fn create(
        id: SessionId,
        user_id: UserId,
        input: SessionInput,
        now: DateTime<Utc>,
    ) -> Result<BudgetSession> {
        input.validate()?;
        Ok(BudgetSession {
            id,
            user_id,
            stage: SessionStage::Draft,
            draft: input
                .draft
                .unwrap_or_else(|| serde_json::Value::Object(Default::default())),
            partial: None,
            final_: None,
            user_query: input.user_query,
            user_profile: input.user_profile,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }

    /// This session with `patch` applied; stage moves are checked and a final session must hold
    /// a valid budget model. The version goes up by one when anything changed.
    pub fn apply_patch(&self, patch: &SessionPatch, now: DateTime<Utc>) -> Result<BudgetSession> {
        let mut s = self.clone();
        if let Some(to) = patch.stage {
            self.stage.check_move(to)?;
            s.stage = to;
        }
        if let Some(d) = &patch.draft {
            s.draft = d.clone();
        }
        if let Some(p) = &patch.partial {
            s.partial = p.clone();
        }
        if let Some(f) = &patch.final_ {
            s.final_ = f.clone();
        }
        if let Some(q) = &patch.user_query {
            s.user_query = q.clone();
        }
        if let Some(p) = &patch.user_profile {
            s.user_profile = p.clone();
        }
        let mut v = Validator::default();
        check_query(&mut v, &s.user_query);
        v.finish()?;
        if s.stage == SessionStage::Final {
            final_budget(&s.final_)?;
        }
        if s != *self {
            s.version = self.version + 1;
            s.updated_at = now;
        }
        Ok(s)
    }

    /// The budget to save as a snapshot: only a final session has one.
    pub fn budget_to_save(&self) -> Result<BudgetModel> {
        if self.stage != SessionStage::Final {
            return Err(Error::invalid(
                "stage",
                "only a final session can be saved as a snapshot",
            ));
        }
        final_budget(&self.final_)
    }
}
