//! The check configuration file (`--config FILE`): which parameter values,
//! principals, action outcomes and stops to explore, the limits, and the
//! properties to prove.
//!
//! This module only reads the YAML into plain data and reports what is
//! malformed; it knows nothing of a particular runbook (names are checked
//! against the runbook in [`crate::model`] and [`crate::property`]).

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;
use ssm_runbook_engine::scenario::Answer;

/// A check configuration.
///
/// ```
/// use ssm_runbook_check::config::CheckConfig;
/// let config = CheckConfig::from_yaml(
///     "parameters: {Environment: [dev, prod]}\nproperties:\n  - name: ends\n    eventually: {execution: [Success, Failed]}\n",
/// ).unwrap();
/// assert_eq!(config.parameters["Environment"].len(), 2);
/// assert_eq!(config.properties.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Values to try per parameter. Parameters not listed take their
    /// default, or each of their `allowedValues` when they have no default.
    #[serde(default)]
    pub parameters: IndexMap<String, Vec<Value>>,
    /// Principals who send Approve and Reject. Default: every approver the
    /// waiting approval step lists.
    #[serde(default)]
    pub principals: Option<Vec<String>>,
    /// Outcomes to explore per external step, by step name (scenario answer
    /// form). Default: success with an empty response, and a failure of
    /// type Action.
    #[serde(default)]
    pub actions: IndexMap<String, Vec<Answer>>,
    /// What else the environment does.
    #[serde(default)]
    pub explore: Explore,
    /// Bounds of the exploration.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Built-in properties to switch off.
    #[serde(default)]
    pub builtins: BuiltinsConfig,
    /// The properties to prove, as raw YAML (read by [`crate::property`]).
    #[serde(default)]
    pub properties: Vec<Value>,
}

/// `explore:` — stops and modes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explore {
    /// Stops to try in every running state: `Cancel`.
    #[serde(default)]
    pub stop: Vec<String>,
    /// `Auto` (default), `Interactive`, or a list of both.
    #[serde(default)]
    pub mode: Option<OneOrMany>,
}

/// A value or a list of values.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One value.
    One(String),
    /// Several values.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The values, as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// `limits:` — each bound of the exploration, overridable.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Longest path explored, in moves.
    #[serde(default)]
    pub max_depth: Option<u32>,
    /// Most distinct states.
    #[serde(default)]
    pub max_states: Option<u64>,
    /// Most seconds of exploration.
    #[serde(default)]
    pub max_seconds: Option<u64>,
}

/// `builtins:` — switch a built-in property off with `false`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuiltinsConfig {
    /// Every complete path ends in a final status (no execution is left
    /// waiting with nothing the environment can do).
    #[serde(default = "yes")]
    pub terminates: bool,
    /// The engine accepts every input it offers as enabled.
    #[serde(default = "yes")]
    pub no_internal_error: bool,
    /// The engine's invariants hold in every state.
    #[serde(default = "yes")]
    pub invariants: bool,
}

fn yes() -> bool {
    true
}

impl Default for BuiltinsConfig {
    fn default() -> Self {
        BuiltinsConfig {
            terminates: true,
            no_internal_error: true,
            invariants: true,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    /// What is wrong, and where.
    pub message: String,
}

impl ConfigError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> ConfigError {
        ConfigError {
            message: message.into(),
        }
    }
}

impl CheckConfig {
    /// Read a configuration from YAML (or JSON) text. Empty text is the
    /// default configuration.
    pub fn from_yaml(text: &str) -> Result<CheckConfig, ConfigError> {
        if text.trim().is_empty() {
            return Ok(CheckConfig::default());
        }
        ssm_runbook_engine::scenario::read_small_yaml(text)
            .map_err(|m| ConfigError::new(format!("invalid check configuration: {m}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_refused() {
        let e = CheckConfig::from_yaml("paramters: {}\n").unwrap_err();
        assert!(e.message.contains("paramters"), "{e}");
    }

    #[test]
    fn modes_take_one_or_many() {
        let c = CheckConfig::from_yaml("explore: {mode: [Auto, Interactive]}\n").unwrap();
        assert_eq!(c.explore.mode.unwrap().to_vec(), ["Auto", "Interactive"]);
        let c = CheckConfig::from_yaml("explore: {mode: Interactive, stop: [Cancel]}\n").unwrap();
        assert_eq!(c.explore.mode.unwrap().to_vec(), ["Interactive"]);
        assert_eq!(c.explore.stop, ["Cancel"]);
    }

    #[test]
    fn builtins_default_on() {
        let c = CheckConfig::from_yaml("builtins: {terminates: false}\n").unwrap();
        assert!(!c.builtins.terminates);
        assert!(c.builtins.invariants);
    }
}
