import Hummingbird

/// `GET /api/v1/health/tools` (SPEC 2.7), for any authenticated principal.
struct OperationsRoutes {
    let deps: ServerDependencies

    func add(to group: RouterGroup<PokedexRequestContext>) {
        let deps = self.deps
        group.get("health/tools") { _, _ -> Response in
            try HTTPSupport.json(deps.recovery.healthReport())
        }
    }
}
