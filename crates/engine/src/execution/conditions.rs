//! Evaluating `aws:branch` choices and `aws:loop` conditions against the
//! execution's values.
//!
//! Operands are resolved through [`crate::interpolate`] first; this module
//! only compares. A comparison that cannot be made (a number expected, text
//! found) is an error, which fails the step at InputValidation.

use crate::document::{Condition, Operator};
use crate::interpolate::{self, Scope};
use serde_json::Value;

/// Evaluate a condition.
pub(crate) fn evaluate(condition: &Condition, scope: &dyn Scope) -> Result<bool, String> {
    match condition {
        Condition::And(parts) => {
            for p in parts {
                if !evaluate(p, scope)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(parts) => {
            for p in parts {
                if evaluate(p, scope)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(inner) => Ok(!evaluate(inner, scope)?),
        Condition::Compare {
            variable,
            operator,
            operand,
        } => {
            let left = interpolate::resolve(variable, scope).map_err(|e| e.to_string())?;
            let right = interpolate::resolve(operand, scope).map_err(|e| e.to_string())?;
            compare(*operator, &left, &right)
        }
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn compare(op: Operator, left: &Value, right: &Value) -> Result<bool, String> {
    let need_text = |v: &Value| {
        text(v).ok_or_else(|| format!("{} compares text, but the value is {v}", op.name()))
    };
    let need_number = |v: &Value| {
        number(v).ok_or_else(|| format!("{} compares numbers, but the value is {v}", op.name()))
    };
    Ok(match op {
        Operator::StringEquals => need_text(left)? == need_text(right)?,
        Operator::EqualsIgnoreCase => {
            need_text(left)?.to_lowercase() == need_text(right)?.to_lowercase()
        }
        Operator::StartsWith => need_text(left)?.starts_with(&need_text(right)?),
        Operator::EndsWith => need_text(left)?.ends_with(&need_text(right)?),
        Operator::Contains => match left {
            Value::Array(items) => {
                let want = need_text(right)?;
                items
                    .iter()
                    .any(|i| text(i).as_deref() == Some(want.as_str()))
            }
            _ => need_text(left)?.contains(&need_text(right)?),
        },
        Operator::NumericEquals => need_number(left)? == need_number(right)?,
        Operator::NumericGreater => need_number(left)? > need_number(right)?,
        Operator::NumericLesser => need_number(left)? < need_number(right)?,
        Operator::NumericGreaterOrEquals => need_number(left)? >= need_number(right)?,
        Operator::NumericLesserOrEquals => need_number(left)? <= need_number(right)?,
        Operator::BooleanEquals => {
            let l = boolean(left).ok_or_else(|| {
                format!("BooleanEquals compares true/false, but the value is {left}")
            })?;
            let r = boolean(right).ok_or_else(|| {
                format!("BooleanEquals compares true/false, but the operand is {right}")
            })?;
            l == r
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operators() {
        assert!(compare(Operator::EqualsIgnoreCase, &json!("PROD"), &json!("prod")).unwrap());
        assert!(compare(Operator::Contains, &json!(["a", "b"]), &json!("b")).unwrap());
        assert!(compare(Operator::NumericGreaterOrEquals, &json!("10"), &json!(9)).unwrap());
        assert!(compare(Operator::BooleanEquals, &json!("True"), &json!(true)).unwrap());
        assert!(compare(Operator::NumericEquals, &json!("x"), &json!(1)).is_err());
    }
}
