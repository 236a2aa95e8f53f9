//! The interpreter builds a runner can serve, and the defaults that differ between them.
//!
//! A build names its runtime in its BUILD-INFO (`runtime=scientific`); a pool asks for one with
//! `spec.runtime`. Defaults that depend on the runtime are defined here, once, for both.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::policy::defaults;

crate::named_enum! {
    /// Which interpreter build the runners serve.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Runtime {
        /// CPython and its standard library.
        #[default]
        Standard = "standard",
        /// CPython with numpy and pandas compiled in and imported into the snapshot.
        Scientific = "scientific",
    }
}

impl Runtime {
    /// Memory limit of a run that names none, in MiB: numpy and pandas need room beyond the
    /// heap their snapshot already holds.
    pub fn default_memory_mb(self) -> u64 {
        match self {
            Runtime::Standard => defaults::MEMORY_MB,
            Runtime::Scientific => 512,
        }
    }

    /// What the runtime's image tag adds to runner-node's version (`0.1.0-scientific`).
    pub fn image_tag_suffix(self) -> &'static str {
        match self {
            Runtime::Standard => "",
            Runtime::Scientific => "-scientific",
        }
    }
}

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_none() {
        for runtime in Runtime::ALL {
            assert_eq!(Runtime::from_name(runtime.as_str()), Some(runtime));
            let json = serde_json::to_string(&runtime).unwrap();
            assert_eq!(json, format!("\"{runtime}\""));
        }
        assert_eq!(Runtime::from_name("Scientific"), None);
        assert!(serde_json::from_str::<Runtime>("\"gpu\"").is_err());
    }

    #[test]
    fn the_scientific_default_memory_is_above_the_standard_one() {
        assert_eq!(Runtime::Standard.default_memory_mb(), defaults::MEMORY_MB);
        assert!(Runtime::Scientific.default_memory_mb() > Runtime::Standard.default_memory_mb());
        assert!(Runtime::Scientific.default_memory_mb() <= defaults::MAX_MEMORY_MB);
    }
}
