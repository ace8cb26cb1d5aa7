//! What hardware a SageMaker instance type has: vCPUs and GPUs.
//!
//! CloudWatch reports a SageMaker host's CPU and GPU utilisation summed over its cores and
//! GPUs (an 8-GPU host at full load reads 800 %). Health flags compare against a per-device
//! percentage, so they need these counts (`assets/instance_specs.csv`, sources in its header).

use std::collections::HashMap;
use std::sync::LazyLock;

const EMBEDDED_SPECS: &str = include_str!("../assets/instance_specs.csv");

static SPECS: LazyLock<HashMap<String, InstanceSpec>> = LazyLock::new(|| {
    parse(EMBEDDED_SPECS).unwrap_or_else(|error| {
        // A unit test keeps this from happening; unknown hardware only means raw percentages.
        tracing::error!(%error, "the embedded instance specs do not parse");
        HashMap::new()
    })
});

/// The hardware of one instance type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct InstanceSpec {
    pub vcpus: u32,
    /// 0 for types without a GPU.
    pub gpus: u32,
}

impl InstanceSpec {
    pub fn has_gpu(&self) -> bool {
        self.gpus > 0
    }
}

#[derive(serde::Deserialize)]
struct Row {
    instance_type: String,
    vcpus: u32,
    gpus: u32,
}

fn parse(text: &str) -> Result<HashMap<String, InstanceSpec>, csv::Error> {
    csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
        .deserialize::<Row>()
        .map(|row| {
            row.map(|r| {
                (
                    r.instance_type,
                    InstanceSpec {
                        vcpus: r.vcpus,
                        gpus: r.gpus,
                    },
                )
            })
        })
        .collect()
}

/// The hardware of `instance_type` (e.g. `ml.g5.12xlarge`), if sagescope knows it.
pub fn spec(instance_type: &str) -> Option<InstanceSpec> {
    SPECS.get(instance_type).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_specs_parse_and_cover_every_priced_type() {
        let specs = parse(EMBEDDED_SPECS).expect("assets/instance_specs.csv parses");
        assert_eq!(specs.len(), SPECS.len());
        for (_, instance_type) in crate::pricing::PriceTable::embedded().keys() {
            assert!(specs.contains_key(instance_type), "{instance_type}");
        }
    }

    #[test]
    fn gpu_counts_follow_the_published_hardware() {
        assert_eq!(
            spec("ml.m5.xlarge"),
            Some(InstanceSpec { vcpus: 4, gpus: 0 })
        );
        assert_eq!(spec("ml.g5.xlarge").map(|s| s.gpus), Some(1));
        assert_eq!(spec("ml.g5.12xlarge").map(|s| s.gpus), Some(4));
        assert_eq!(spec("ml.g4dn.16xlarge").map(|s| s.gpus), Some(1));
        assert_eq!(
            spec("ml.p4d.24xlarge"),
            Some(InstanceSpec { vcpus: 96, gpus: 8 })
        );
        assert!(spec("ml.p5.48xlarge").is_some_and(|s| s.has_gpu()));
        assert_eq!(spec("ml.x9.mega"), None);
    }
}
