//! The image config, read: what the layers are (`rootfs.diff_ids`), how they
//! were made (`history`), and the fields the image rules look at (`User`,
//! `ExposedPorts`, `Env`, `Labels`, `Cmd`, `Entrypoint`, `Healthcheck`).

use serde_json::Value;

/// One history step.
#[derive(Clone, Debug, Default)]
pub(crate) struct Step {
    pub created_by: String,
    pub empty_layer: bool,
}

/// What the audit needs from an image config.
#[derive(Clone, Debug, Default)]
pub(crate) struct ImageConfig {
    pub diff_ids: Vec<String>,
    pub history: Vec<Step>,
    pub user: String,
    pub exposed: Vec<String>,
    pub env: Vec<String>,
    pub labels: Vec<String>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    pub healthcheck: Vec<String>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl ImageConfig {
    pub fn parse(bytes: &[u8]) -> Result<ImageConfig, String> {
        let v: Value =
            serde_json::from_slice(bytes).map_err(|e| format!("image config is not JSON: {e}"))?;
        if !v.is_object() {
            return Err("image config is not a JSON object".into());
        }
        let c = v
            .get("config")
            .or_else(|| v.get("Config"))
            .cloned()
            .unwrap_or(Value::Null);
        let mut exposed: Vec<String> = c
            .get("ExposedPorts")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        exposed.sort();
        let labels = c
            .get("Labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        let history = v
            .get("history")
            .and_then(Value::as_array)
            .map(|h| {
                h.iter()
                    .map(|s| Step {
                        created_by: s
                            .get("created_by")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        empty_layer: s
                            .get("empty_layer")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(ImageConfig {
            diff_ids: strings(v.get("rootfs").and_then(|r| r.get("diff_ids"))),
            history,
            user: c
                .get("User")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            exposed,
            env: strings(c.get("Env")),
            labels,
            cmd: strings(c.get("Cmd")),
            entrypoint: strings(c.get("Entrypoint")),
            healthcheck: strings(c.get("Healthcheck").and_then(|h| h.get("Test"))),
        })
    }

    /// The history step that made layer `index` (steps with `empty_layer`
    /// make none), when the history is complete enough to tell.
    pub fn created_by(&self, index: usize) -> Option<&str> {
        self.history
            .iter()
            .filter(|s| !s.empty_layer)
            .nth(index)
            .map(|s| s.created_by.as_str())
            .filter(|s| !s.is_empty())
    }

    /// The layer a history step made, if it made one.
    pub fn layer_of_step(&self, step: usize) -> Option<usize> {
        let s = self.history.get(step)?;
        (!s.empty_layer).then(|| {
            self.history
                .iter()
                .take(step)
                .filter(|s| !s.empty_layer)
                .count()
        })
    }
}
