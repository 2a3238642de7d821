// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Pokedex",
    platforms: [.macOS(.v26)],
    products: [
        .library(name: "PokedexSessions", targets: ["PokedexSessions"]),
        .library(name: "PokedexSessionsPostgres", targets: ["PokedexSessionsPostgres"]),
        .library(name: "PokedexRecovery", targets: ["PokedexRecovery"]),
        .library(name: "PokedexTools", targets: ["PokedexTools"]),
        .library(name: "PokedexLLM", targets: ["PokedexLLM"]),
        .library(name: "PokedexAssistant", targets: ["PokedexAssistant"]),
        .executable(name: "pokedex", targets: ["pokedex"]),
        .executable(name: "pokedex-bench", targets: ["pokedex-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        .target(name: "PokedexSettings"),
        .target(name: "CPokedexSpawn"),
        .target(name: "PokedexAudit"),
        .target(
            name: "PokedexSessions",
            dependencies: [
                "PokedexSettings",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PokedexSessionsPostgres",
            dependencies: [
                "PokedexSessions",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PokedexHTTP",
            dependencies: [.product(name: "AsyncHTTPClient", package: "async-http-client")]
        ),
        .target(
            name: "PokedexRecovery",
            dependencies: [
                "PokedexSettings",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "PokedexTools",
            dependencies: [
                "CPokedexSpawn",
                "PokedexAudit",
                "PokedexHTTP",
                "PokedexLLM",
                "PokedexRecovery",
                "PokedexSettings",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PokedexLLM",
            dependencies: [
                "PokedexHTTP",
                "PokedexRecovery",
                "PokedexSettings",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PokedexAssistant",
            dependencies: [
                "PokedexAudit", "PokedexSessions", "PokedexSessionsPostgres", "PokedexRecovery", "PokedexTools",
                "PokedexLLM", "PokedexSettings", "PokedexHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "PokedexWebex",
            dependencies: [
                "PokedexAssistant", "PokedexAudit", "PokedexHTTP", "PokedexRecovery", "PokedexSessions", "PokedexSettings",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PokedexMCP",
            dependencies: [
                "PokedexAssistant", "PokedexAudit", "PokedexTools",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PokedexServer",
            dependencies: [
                "PokedexAssistant", "PokedexAudit", "PokedexSessions", "PokedexSessionsPostgres", "PokedexRecovery",
                "PokedexSettings", "PokedexWebex", "PokedexHTTP", "PokedexMCP",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "PokedexTools",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PokedexTesting",
            dependencies: [
                "PokedexSessions", "PokedexRecovery", "PokedexSettings", "CPokedexSpawn",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "pokedex",
            dependencies: [
                "PokedexAudit",
                "PokedexHTTP",
                "PokedexSessions",
                "PokedexSessionsPostgres",
                "PokedexTools",
                "PokedexAssistant",
                "PokedexServer",
                "PokedexWebex",
                "PokedexMCP",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "PokedexLLM", "PokedexRecovery", "PokedexSettings",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "pokedex-bench",
            dependencies: [
                "PokedexSettings",
                "PokedexAudit",
                "PokedexSessions",
                "PokedexRecovery",
                "PokedexTools",
                "PokedexAssistant",
                "PokedexLLM",
                "PokedexTesting",
                "PokedexSessionsPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "PokedexSessionsTests",
            dependencies: [
                "PokedexSessions", "PokedexSessionsPostgres", "PokedexTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PokedexRecoveryTests",
            dependencies: [
                "PokedexRecovery", "PokedexTesting",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                "PokedexSettings",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PokedexToolsTests",
            dependencies: [
                "PokedexTools", "PokedexTesting", "PokedexAudit", "PokedexLLM", "PokedexRecovery", "PokedexSettings",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "PokedexLLMTests",
            dependencies: ["PokedexLLM", "PokedexTesting", "PokedexSettings"]
        ),
        .testTarget(
            name: "PokedexAssistantTests",
            dependencies: [
                "PokedexAssistant", "PokedexTesting", "PokedexAudit", "PokedexSettings", "PokedexLLM", "PokedexRecovery",
                "PokedexSessions", "PokedexTools",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "PokedexServerTests",
            dependencies: [
                "PokedexServer", "PokedexTesting", "PokedexLLM", "PokedexWebex", "PokedexAudit", "PokedexSettings",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                "PokedexAssistant", "PokedexRecovery", "PokedexSessions", "PokedexTools",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PokedexWebexTests",
            dependencies: [
                "PokedexWebex", "PokedexTesting", "PokedexLLM", "PokedexSettings",
                .product(name: "InMemoryLogging", package: "swift-log"),
                "PokedexAssistant", "PokedexRecovery", "PokedexSessions", "PokedexTools",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PokedexCLITests",
            dependencies: [
                "pokedex", "PokedexSessions", "PokedexTesting", "PokedexAudit", "PokedexLLM",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)
