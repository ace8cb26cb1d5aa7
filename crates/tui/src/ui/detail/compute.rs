//! What an inference component, a HyperPod cluster and an endpoint hosting components add to
//! the detail view: the component's endpoint and reserved compute, the cluster's instance
//! groups, and the endpoint's components (so the endpoint's money can be traced to models).

use super::Lines;
use crate::app::App;
use sagescope_core::model::{ClusterInfo, ComponentInfo, Job, ResourceKind};
use sagescope_core::sanitize;

/// A component's endpoint, model, copies and what each copy reserves.
pub(super) fn component_lines(out: &mut Lines, component: &ComponentInfo) {
    let p = out.palette;
    out.field(
        "endpoint",
        &sanitize::cell(&component.endpoint_name),
        p.text,
    );
    if let Some(variant) = &component.variant_name {
        out.field("variant", &sanitize::cell(variant), p.text);
    }
    if let Some(model) = &component.model_name {
        out.field("model", &sanitize::cell(model), p.text);
    }
    let copies = match (component.copies, component.desired_copies) {
        (Some(now), Some(want)) if now != want => format!("{now} (desired {want})"),
        (Some(now), _) => now.to_string(),
        (None, _) => "not read yet".to_string(),
    };
    out.field("copies", &copies, p.text);
    out.field("reserves", &reserved(component), p.text);
    out.field(
        "cost",
        "billed through the endpoint's instances (its row's $/h)",
        p.dim,
    );
}

/// `2 CPU cores · 1 accelerator · 8192 MiB per copy`, or what is known of it.
fn reserved(component: &ComponentInfo) -> String {
    let mut parts = Vec::new();
    if let Some(cores) = component.cpu_cores {
        parts.push(format!("{cores} CPU cores"));
    }
    if let Some(devices) = component.accelerators {
        let plural = if (devices - 1.0).abs() < f64::EPSILON {
            ""
        } else {
            "s"
        };
        parts.push(format!("{devices} accelerator{plural}"));
    }
    if let Some(memory) = component.min_memory_mb {
        parts.push(format!("{memory} MiB"));
    }
    if parts.is_empty() {
        "not read yet".to_string()
    } else {
        format!("{} per copy", parts.join(" · "))
    }
}

/// A cluster's instance groups, one line each: type, node count, failed nodes.
pub(super) fn cluster_lines(out: &mut Lines, cluster: &ClusterInfo) {
    let p = out.palette;
    out.heading(format!(
        "Instance groups ({}, {} nodes)",
        cluster.groups.len(),
        cluster.nodes()
    ));
    for group in &cluster.groups {
        let mut value = format!("{} ×{}", sanitize::cell(&group.instance_type), group.count);
        if group.failed > 0 {
            value.push_str(&format!(" · {} failed", group.failed));
            if let Some(message) = &group.failure_message {
                value.push_str(&format!(": {}", sanitize::cell(message)));
            }
        }
        let style = if group.failed > 0 { p.failed } else { p.text };
        out.field(&format!("  {}", sanitize::cell(&group.name)), &value, style);
    }
}

/// The inference components running on an endpoint, from the rows already loaded (same
/// account and region, named by the component's endpoint).
pub(super) fn endpoint_components(out: &mut Lines, endpoint: &Job, app: &App) {
    let components: Vec<(&Job, &ComponentInfo)> = app
        .jobs
        .list
        .rows()
        .iter()
        .filter(|j| {
            j.kind == ResourceKind::InferenceComponent
                && j.account_id == endpoint.account_id
                && j.region == endpoint.region
        })
        .filter_map(|j| Some((j, j.compute.as_ref()?.component()?)))
        .filter(|(_, c)| c.endpoint_name == endpoint.name)
        .collect();
    if components.is_empty() {
        return;
    }
    let p = out.palette;
    out.heading(format!("Inference components ({})", components.len()));
    for (job, component) in components {
        let copies = match component.copies {
            Some(1) => "1 copy".to_string(),
            Some(n) => format!("{n} copies"),
            None => "? copies".to_string(),
        };
        let value = format!(
            "{} · {copies} · {}",
            sanitize::cell(job.status.as_str()),
            reserved(component)
        );
        out.field(
            &format!("  {}", sanitize::cell(&job.name)),
            &value,
            p.status(job.status.phase()),
        );
    }
}
