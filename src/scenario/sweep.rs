//! Sweep expansion: the cartesian product of the axes (first axis slowest), each point a full
//! scenario with the axis values set at their paths. Paths are resolved on the scenario's JSON
//! form, so any field can be swept, including fields inside enum variants such as
//! `network.delay.max_ms` (inside `Uniform(...)`).

use serde_json::Value;

use super::schema::{Scalar, Scenario, SweepAxis, SweepValues};
use crate::net::FieldError;

/// A sweep path that names no value of the scenario.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// A part of the path is not a field name.
    #[error("`{path}` is not a field path (expected e.g. `byzantine[0].count`)")]
    NotAPath {
        /// The path.
        path: String,
    },
    /// A `[` without its `]`.
    #[error("`{path}` has an unclosed `[`")]
    Unclosed {
        /// The path.
        path: String,
    },
    /// A list index that is not a number.
    #[error("`{path}` has a bad list index `{index}`")]
    BadIndex {
        /// The path.
        path: String,
        /// The index as written.
        index: String,
    },
    /// Text after a `]` that is neither `.` nor `[`.
    #[error("`{path}` has text after `]`")]
    TextAfterIndex {
        /// The path.
        path: String,
    },
    /// A field name the structure reached has no field of.
    #[error("`{path}` names no field: no `{name}` here (fields: {})", known.join(", "))]
    NoField {
        /// The path.
        path: String,
        /// The missing field.
        name: String,
        /// The fields there are.
        known: Vec<String>,
    },
    /// A list index past the list's end.
    #[error("`{path}` names no field: `{name}` has {len} elements, no [{index}]")]
    NoElement {
        /// The path.
        path: String,
        /// The list's field.
        name: String,
        /// Its length.
        len: usize,
        /// The index asked for.
        index: usize,
    },
    /// The path ends at a structure or list, not at a value.
    #[error("`{path}` names a structure, not a value")]
    NotAValue {
        /// The path.
        path: String,
    },
}

/// Why one sweep point is not a scenario.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PointError {
    /// Axis `axis`'s path names no value.
    #[error("{error}")]
    Path {
        /// The axis, by index.
        axis: usize,
        /// What is wrong with its path.
        error: PathError,
    },
    /// A value does not fit its field (`error.path`): set by axis `axis`, when one set it.
    #[error("{error}")]
    Value {
        /// The axis that set the value, by index.
        axis: Option<usize>,
        /// The field and what is wrong.
        error: FieldError,
    },
}

/// One step of a path: a field name, with list indices after it.
#[derive(Debug, PartialEq)]
struct Segment {
    name: String,
    indices: Vec<usize>,
}

fn parse_path(path: &str) -> Result<Vec<Segment>, PathError> {
    let mut segments = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(PathError::NotAPath { path: path.into() });
        }
        let mut indices = Vec::new();
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .ok_or_else(|| PathError::Unclosed { path: path.into() })?;
            let index = rest[1..close]
                .parse::<usize>()
                .map_err(|_| PathError::BadIndex {
                    path: path.into(),
                    index: rest[1..close].into(),
                })?;
            indices.push(index);
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(PathError::TextAfterIndex { path: path.into() });
            }
        }
        segments.push(Segment {
            name: name.to_string(),
            indices,
        });
    }
    Ok(segments)
}

/// The field `name` of `value`, looking through one enum-variant wrapper (`{"Uniform": {..}}`).
fn field_mut<'a>(value: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    let object = value.as_object_mut()?;
    if object.contains_key(name) {
        return object.get_mut(name);
    }
    if object.len() == 1 {
        let inner = object.values_mut().next()?;
        if let Some(inner) = inner.as_object_mut() {
            return inner.get_mut(name);
        }
    }
    None
}

/// The field names available at `value` (for error messages).
fn field_names(value: &Value) -> Vec<String> {
    match value.as_object() {
        Some(o) if o.len() == 1 && o.values().all(Value::is_object) => o
            .values()
            .flat_map(|v| v.as_object().into_iter().flat_map(|m| m.keys().cloned()))
            .collect(),
        Some(o) => o.keys().cloned().collect(),
        None => Vec::new(),
    }
}

/// Sets `path` in `root` to `new`; errors say which part of the path names nothing.
pub fn set_path(root: &mut Value, path: &str, new: Value) -> Result<(), PathError> {
    let segments = parse_path(path)?;
    let mut here = root;
    for segment in &segments {
        let known = field_names(here);
        here = field_mut(here, &segment.name).ok_or_else(|| PathError::NoField {
            path: path.into(),
            name: segment.name.clone(),
            known,
        })?;
        for &i in &segment.indices {
            let len = here.as_array().map_or(0, Vec::len);
            here = here
                .as_array_mut()
                .and_then(|a| a.get_mut(i))
                .ok_or_else(|| PathError::NoElement {
                    path: path.into(),
                    name: segment.name.clone(),
                    len,
                    index: i,
                })?;
        }
    }
    if here.is_object() || here.is_array() {
        return Err(PathError::NotAValue { path: path.into() });
    }
    *here = new;
    Ok(())
}

/// The scenario's JSON form, with the fields that are left out of `scenario.ron` when they
/// have their default written in (so that a sweep or a case can set them).
pub fn to_json(s: &Scenario) -> Result<Value, serde_json::Error> {
    let mut json = serde_json::to_value(s)?;
    for (path, default) in LEFT_OUT_WHEN_DEFAULT {
        insert_missing(&mut json, path, default());
    }
    Ok(json)
}

/// The schema's fields that are not written when they have their default
/// (`skip_serializing_if`), with that default as JSON, by path. A path under an absent
/// section (`costs.*` without `costs`) is not added: there is nothing to set it in.
const LEFT_OUT_WHEN_DEFAULT: [(&str, DefaultValue); 10] = [
    ("workload.request_bytes", || Value::from(0)),
    ("workload.reply_bytes", || Value::from(0)),
    ("workload.think_time_ms", || Value::from(0.0)),
    ("workload.arrivals", || Value::from("Closed")),
    ("workload.read_only", || Value::from(0.0)),
    ("protocol.tentative_execution", || Value::from(false)),
    ("protocol.replication", || Value::from("Pbft")),
    ("costs.client_cpu", || Value::Null),
    ("costs.cpu.by_kind_us", || {
        Value::Object(serde_json::Map::new())
    }),
    ("costs.link.bandwidth_mbps", || Value::Null),
];

/// Makes a field's default value, as JSON.
type DefaultValue = fn() -> Value;

/// Sets `path` (plain field names) in `root` to `value` if its last field is missing and
/// every field before it is an object.
fn insert_missing(root: &mut Value, path: &str, value: Value) {
    let mut names: Vec<&str> = path.split('.').collect();
    let Some(last) = names.pop() else {
        return;
    };
    let mut here = root;
    for name in names {
        match here.get_mut(name) {
            Some(next) if next.is_object() => here = next,
            _ => return,
        }
    }
    if let Some(object) = here.as_object_mut() {
        object.entry(last).or_insert(value);
    }
}

/// One field a sweep point sets: by axis `axis`, the value `value` at `path`.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// The axis that sets it, by index.
    pub axis: usize,
    /// The field's path.
    pub path: String,
    /// The value.
    pub value: Scalar,
}

/// The fields a point whose axes take `values` sets, in axis order: a plain axis sets its
/// path to its value; a `Cases` axis sets every path of the case its value names (in the
/// case's `set` order), and its own path, a column name, is not a field.
pub fn settings(axes: &[SweepAxis], values: &[Scalar]) -> Vec<Setting> {
    let mut out = Vec::new();
    for (axis, (a, value)) in axes.iter().zip(values).enumerate() {
        match &a.values {
            SweepValues::Cases(cases) => {
                let name = value.label();
                for case in cases.iter().filter(|c| c.name == name).take(1) {
                    out.extend(case.set.iter().map(|(path, value)| Setting {
                        axis,
                        path: path.clone(),
                        value: value.clone(),
                    }));
                }
            }
            _ => out.push(Setting {
                axis,
                path: a.path.clone(),
                value: value.clone(),
            }),
        }
    }
    out
}

/// The scenario with `values[i]` set at `paths[i]`, its own sweep removed (every axis plain:
/// [`apply_settings`] of one setting per axis).
#[cfg(test)]
pub fn apply(base: &Value, paths: &[String], values: &[Scalar]) -> Result<Scenario, PointError> {
    let settings: Vec<Setting> = paths
        .iter()
        .zip(values)
        .enumerate()
        .map(|(axis, (path, value))| Setting {
            axis,
            path: path.clone(),
            value: value.clone(),
        })
        .collect();
    apply_settings(base, &settings)
}

/// The scenario with every setting applied, its own sweep removed. The values are read into
/// the schema's checked types, so a value out of its field's range (a `drop` of 1.5) is
/// refused here, naming the field and the axis that set it.
pub fn apply_settings(base: &Value, settings: &[Setting]) -> Result<Scenario, PointError> {
    let mut json = base.clone();
    for Setting { axis, path, value } in settings {
        let axis = *axis;
        // JSON has no NaN or infinity, and no field of the schema takes one.
        if let Scalar::Float(x) = value {
            if !x.is_finite() {
                return Err(PointError::Value {
                    axis: Some(axis),
                    error: FieldError::new(path, format!("must be a finite number, got {x}")),
                });
            }
        }
        set_path(&mut json, path, value.to_json())
            .map_err(|error| PointError::Path { axis, error })?;
    }
    if let Some(object) = json.as_object_mut() {
        object.insert("sweep".to_string(), Value::Array(Vec::new()));
    }
    serde_path_to_error::deserialize(json).map_err(|e| {
        let path = super::field_path(e.path());
        PointError::Value {
            axis: settings.iter().find(|s| s.path == path).map(|s| s.axis),
            error: FieldError::new(path, e.into_inner().to_string()),
        }
    })
}

/// The cartesian product of the axes' values, first axis slowest.
pub fn product(axes: &[Vec<Scalar>]) -> Vec<Vec<Scalar>> {
    let mut points: Vec<Vec<Scalar>> = vec![Vec::new()];
    for values in axes {
        let mut next = Vec::with_capacity(points.len() * values.len());
        for point in &points {
            for value in values {
                let mut p = point.clone();
                p.push(value.clone());
                next.push(p);
            }
        }
        points = next;
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_reach_fields_lists_and_enum_variants() {
        let mut v = json!({"replicas": 4, "byzantine": [{"count": 0}],
                           "network": {"delay": {"Uniform": {"min_ms": 1.0, "max_ms": 2.0}}}});
        set_path(&mut v, "replicas", json!(7)).expect("plain field");
        set_path(&mut v, "byzantine[0].count", json!(2)).expect("list element");
        set_path(&mut v, "network.delay.max_ms", json!(9.5)).expect("inside a variant");
        assert_eq!(v["replicas"], 7);
        assert_eq!(v["byzantine"][0]["count"], 2);
        assert_eq!(v["network"]["delay"]["Uniform"]["max_ms"], 9.5);
    }

    #[test]
    fn bad_paths_are_named() {
        let mut v = json!({"replicas": 4, "byzantine": []});
        for bad in [
            "replica",
            "byzantine[0].count",
            "replicas[",
            "a..b",
            "byzantine",
        ] {
            assert!(set_path(&mut v, bad, json!(1)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_refused_value_names_its_field_and_axis() {
        let base = to_json(
            &crate::scenario::parse("t.ron", "Scenario(name: \"t\", replicas: 4)")
                .expect("valid")
                .scenario,
        )
        .expect("json");
        let paths = [
            "seed".to_string(),
            "network.reorder.probability".to_string(),
        ];
        for (value, says) in [
            (
                Scalar::Float(1.5),
                "must be a probability in [0, 1], got 1.5",
            ),
            (Scalar::Float(f64::NAN), "must be a finite number, got NaN"),
        ] {
            let refused = match apply(&base, &paths, &[Scalar::Int(3), value]) {
                Err(PointError::Value { axis, error }) => Some((axis, error.path, error.message)),
                _ => None,
            };
            let field = "network.reorder.probability".to_string();
            assert_eq!(refused, Some((Some(1), field, says.to_string())));
        }
        let ok = apply(&base, &paths, &[Scalar::Int(3), Scalar::Float(0.5)]).expect("valid");
        assert_eq!((ok.seed, ok.network.reorder.probability.get()), (3, 0.5));
    }

    fn with_sweep(sweep: &str) -> String {
        format!("Scenario(name: \"t\", replicas: 4, sweep: [{sweep}])")
    }

    #[test]
    fn an_axis_label_parses_and_is_written_back_only_when_given() {
        let labelled = crate::scenario::parse(
            "t.ron",
            &with_sweep(r#"(path: "network.drop", values: Values([0.0, 0.1]), label: "loss")"#),
        )
        .expect("valid");
        assert_eq!(labelled.scenario.sweep[0].label.as_deref(), Some("loss"));
        let ron = crate::scenario::to_ron(&labelled.scenario).expect("ron");
        assert!(ron.contains(r#"label: "loss""#), "{ron}");
        let again = crate::scenario::parse("again.ron", &ron).expect("scenario.ron reads back");
        assert_eq!(again.scenario.sweep, labelled.scenario.sweep);
        let plain = crate::scenario::parse(
            "t.ron",
            &with_sweep(r#"(path: "network.drop", values: Values([0.0]))"#),
        )
        .expect("valid");
        assert_eq!(plain.scenario.sweep[0].label, None);
        let ron = crate::scenario::to_ron(&plain.scenario).expect("ron");
        assert!(!ron.contains("label"), "{ron}");
    }

    #[test]
    fn a_bad_axis_label_is_refused_at_its_place() {
        for (label, says) in [
            (r#""  ""#, "sweep[0].label: must not be empty"),
            (r#""a\nb""#, "sweep[0].label: must be one line"),
            (
                &format!("\"{}\"", "x".repeat(61)),
                "sweep[0].label: must be at most 60 characters, got 61",
            ),
            ("3", "expected string"),
        ] {
            let source = with_sweep(&format!(
                r#"(path: "network.drop", values: Values([0.0]), label: {label})"#
            ));
            let error = crate::scenario::parse("t.ron", &source)
                .map(|_| ())
                .expect_err(label)
                .to_string();
            assert!(error.starts_with("t.ron:1:"), "{error}");
            assert!(
                error.to_lowercase().contains(&says.to_lowercase()),
                "{label}: {error}"
            );
        }
    }

    #[test]
    fn product_is_first_axis_slowest() {
        let a = vec![Scalar::Int(0), Scalar::Int(1)];
        let b = vec![Scalar::Int(5), Scalar::Int(6), Scalar::Int(7)];
        let p = product(&[a, b]);
        assert_eq!(p.len(), 6);
        assert_eq!(p[1], vec![Scalar::Int(0), Scalar::Int(6)]);
        assert_eq!(p[3], vec![Scalar::Int(1), Scalar::Int(5)]);
        assert_eq!(product(&[]), vec![Vec::<Scalar>::new()]);
    }
}
