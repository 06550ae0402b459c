//! The registry of user-defined behaviours: a program registers a factory under a name, and a
//! scenario uses it as `behaviour: Custom(name: "Name")`, without touching the protocol or this
//! crate (see `examples/custom_behaviour.rs` and `docs/add-a-behaviour.md`).
//!
//! The registry is process-global (a `BTreeMap` behind a `RwLock`), so register before parsing
//! scenarios that use the name: validation (`check_spec`) rejects names it does not know.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};

use super::{Behaviour, BuildContext, BuildError};

/// Builds one replica's behaviour for one trial; the context says which replica, n and f, and
/// holds the trial's coalitions.
pub(crate) type Factory =
    Arc<dyn Fn(&mut BuildContext) -> Result<Box<dyn Behaviour>, BuildError> + Send + Sync>;

/// What a factory given to [`register`] may return: a behaviour (boxed or not), or a
/// `Result` of one, when building can fail (`ctx.coalition(..)?`).
pub trait Built {
    /// The behaviour, or why it could not be built.
    fn built(self) -> Result<Box<dyn Behaviour>, BuildError>;
}

impl<B: Behaviour + 'static> Built for B {
    fn built(self) -> Result<Box<dyn Behaviour>, BuildError> {
        Ok(Box::new(self))
    }
}

impl Built for Box<dyn Behaviour> {
    fn built(self) -> Result<Box<dyn Behaviour>, BuildError> {
        Ok(self)
    }
}

impl<T: Built> Built for Result<T, BuildError> {
    fn built(self) -> Result<Box<dyn Behaviour>, BuildError> {
        self.and_then(Built::built)
    }
}

fn registry() -> &'static RwLock<BTreeMap<String, Factory>> {
    static REGISTRY: OnceLock<RwLock<BTreeMap<String, Factory>>> = OnceLock::new();
    REGISTRY.get_or_init(|| RwLock::new(BTreeMap::new()))
}

/// Registers `factory` under `name`, for scenarios to use as `Custom(name: "name")`. The
/// factory returns the behaviour (`|_ctx| LazyCommitter::default()`) or a `Result` of it
/// (`|ctx| Ok(Member { plot: ctx.coalition::<Plot>("Plot")? })`). A later registration of the
/// same name replaces the earlier one.
pub fn register<F, B>(name: &str, factory: F)
where
    F: Fn(&mut BuildContext) -> B + Send + Sync + 'static,
    B: Built,
{
    let factory: Factory = Arc::new(move |ctx: &mut BuildContext| factory(ctx).built());
    let mut map = registry().write().unwrap_or_else(|e| e.into_inner());
    map.insert(name.to_string(), factory);
}

/// Whether a behaviour is registered under `name`.
pub fn is_registered(name: &str) -> bool {
    let map = registry().read().unwrap_or_else(|e| e.into_inner());
    map.contains_key(name)
}

/// The registered names, in order.
pub fn registered() -> Vec<String> {
    let map = registry().read().unwrap_or_else(|e| e.into_inner());
    map.keys().cloned().collect()
}

/// The factory registered under `name`.
pub(crate) fn factory(name: &str) -> Option<Factory> {
    let map = registry().read().unwrap_or_else(|e| e.into_inner());
    map.get(name).cloned()
}

#[cfg(test)]
mod tests {
    use super::super::{BehaviourSpec, Silent};
    use super::*;

    #[test]
    fn registered_names_build_through_custom() {
        struct Named;
        impl Behaviour for Named {
            fn name(&self) -> &str {
                "registry-test"
            }
        }
        register("registry-test", |_ctx: &mut BuildContext| Named);
        assert!(is_registered("registry-test"));
        assert!(registered().contains(&"registry-test".to_string()));
        let spec = BehaviourSpec::Custom {
            name: "registry-test".into(),
        };
        assert!(super::super::check_spec(&spec).is_ok());
        let mut ctx = BuildContext::new(4, 1);
        let name = |b: Result<Box<dyn Behaviour>, BuildError>| b.map(|b| b.name().to_string());
        assert_eq!(name(spec.build(2, &mut ctx)), Ok("registry-test".into()));
        register("registry-test", |_ctx: &mut BuildContext| {
            Box::new(Silent) as Box<dyn Behaviour>
        });
        assert_eq!(
            name(spec.build(2, &mut ctx)),
            Ok("Silent".into()),
            "replaced"
        );
    }
}
