//! The six Automation value types and the checks of a literal against them.
//!
//! Runbook values are JSON values; this module says which JSON values a type
//! admits. It does not interpolate `{{ }}` (see [`crate::template`]) and does
//! not convert wire strings (the execution layer does that).

use serde_json::Value;
use std::fmt;

/// An Automation value type: parameters, variables, step outputs and inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueType {
    /// A string.
    String,
    /// A list of strings.
    StringList,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A list of maps.
    MapList,
    /// A map.
    StringMap,
}

impl ValueType {
    /// Every value type.
    pub const ALL: &'static [ValueType] = &[
        ValueType::String,
        ValueType::StringList,
        ValueType::Integer,
        ValueType::Boolean,
        ValueType::MapList,
        ValueType::StringMap,
    ];

    /// The type's name as runbooks spell it.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "String",
            ValueType::StringList => "StringList",
            ValueType::Integer => "Integer",
            ValueType::Boolean => "Boolean",
            ValueType::MapList => "MapList",
            ValueType::StringMap => "StringMap",
        }
    }

    /// Look a type up by its exact (case-sensitive) name.
    ///
    /// ```
    /// use ssm_runbook_engine::value::ValueType;
    /// assert_eq!(ValueType::from_name("StringList"), Some(ValueType::StringList));
    /// assert_eq!(ValueType::from_name("stringlist"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<ValueType> {
        ValueType::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// Whether a literal JSON value has this type.
    ///
    /// ```
    /// use ssm_runbook_engine::value::ValueType;
    /// use serde_json::json;
    /// assert!(ValueType::Integer.admits(&json!(3)));
    /// assert!(!ValueType::Integer.admits(&json!("3")));
    /// assert!(!ValueType::Integer.admits(&json!(3.5)));
    /// assert!(ValueType::MapList.admits(&json!([{"a": 1}])));
    /// ```
    pub fn admits(self, value: &Value) -> bool {
        match self {
            ValueType::String => value.is_string(),
            ValueType::StringList => value.as_array().is_some_and(|a| a.iter().all(is_scalar)),
            ValueType::Integer => value.is_i64() || value.is_u64(),
            ValueType::Boolean => value.is_boolean(),
            ValueType::MapList => value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_object)),
            ValueType::StringMap => value.is_object(),
        }
    }
}

fn is_scalar(v: &Value) -> bool {
    v.is_string() || v.is_number() || v.is_boolean()
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The short name of a JSON value's kind, for messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a decimal number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}
