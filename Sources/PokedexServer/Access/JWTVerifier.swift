import AsyncHTTPClient
import Foundation
import JWTKit
import Logging
import NIOCore
import PokedexAssistant
import Synchronization

/// Checks JWTs from the team's identity provider with jwt-kit: signature against the provider's
/// keys (a JWKS file, or a URL fetched again every `refresh` and when a token names an unknown
/// key), issuer, audience, expiry and not-before. The user is the configured claim.
final class JWTVerifier: Sendable {
    private let configuration: AccessConfiguration.JWTConfiguration
    private let http: HTTPClient
    private let logger: Logger
    private let keys = Mutex<(collection: JWTKeyCollection, loaded: ContinuousClock.Instant)?>(nil)
    private let lastUnknownKeyReload = Mutex<ContinuousClock.Instant?>(nil)

    init(_ configuration: AccessConfiguration.JWTConfiguration, http: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
    }

    /// Loads the keys once at start-up, so a missing or malformed key set stops the server at once.
    func load() async throws {
        _ = try await currentKeys(forceReload: true)
    }

    /// The user the token names, or nil when the token is not valid for this server.
    func user(from token: String) async -> String? {
        do {
            return try await verified(token, keys: try await currentKeys(forceReload: false))
        } catch let error as JWTError where error.errorType == .unknownKID && mayReloadForUnknownKey() {
            // The provider may have rotated its keys: fetch them once more, then decide.
            return try? await verified(token, keys: try await currentKeys(forceReload: true))
        } catch {
            logger.notice("refused a JWT", metadata: ["reason": "\(Self.reason(error))"])
            return nil
        }
    }

    private func verified(_ token: String, keys: JWTKeyCollection) async throws -> String {
        try check(try await keys.verify(token, as: IdentityClaims.self))
    }

    /// At most one fetch a minute for tokens naming unknown keys, so made-up key ids cannot make
    /// the server hammer the identity provider.
    private func mayReloadForUnknownKey() -> Bool {
        guard !configuration.jwksURL.isEmpty else { return false }
        return lastUnknownKeyReload.withLock { last in
            if let last, ContinuousClock.now - last < .seconds(60) { return false }
            last = ContinuousClock.now
            return true
        }
    }

    private func check(_ claims: IdentityClaims) throws -> String {
        guard claims.iss?.value == configuration.issuer else { throw Refusal("the issuer is not \(configuration.issuer)") }
        guard let audience = claims.aud else { throw Refusal("the token has no audience") }
        try audience.verifyIntendedAudience(includes: configuration.audience)
        guard let user = claims.strings[configuration.userClaim], !user.isEmpty else {
            throw Refusal("the token has no '\(configuration.userClaim)' claim")
        }
        return user
    }

    private func currentKeys(forceReload: Bool) async throws -> JWTKeyCollection {
        if !forceReload, let (collection, loaded) = keys.withLock({ $0 }),
            configuration.jwksURL.isEmpty || ContinuousClock.now - loaded < configuration.refresh
        {
            return collection
        }
        let json: String
        if configuration.jwksURL.isEmpty {
            guard let data = FileManager.default.contents(atPath: configuration.jwksFile) else {
                throw Refusal("the key set \(configuration.jwksFile) cannot be read")
            }
            json = String(decoding: data, as: UTF8.self)
        } else {
            let response = try await http.execute(HTTPClientRequest(url: configuration.jwksURL), timeout: .seconds(10))
            guard response.status == .ok else {
                throw Refusal("the key set URL answered \(response.status.code)")
            }
            json = String(buffer: try await response.body.collect(upTo: 1 << 20))
        }
        let collection = JWTKeyCollection()
        try await collection.add(jwksJSON: json)
        keys.withLock { $0 = (collection, ContinuousClock.now) }
        return collection
    }

    /// A short reason for the log: never the token.
    private static func reason(_ error: any Error) -> String {
        if let refusal = error as? Refusal { return refusal.reason }
        if let error = error as? JWTError { return "\(error.errorType)" }
        return "\(type(of: error))"
    }

    struct Refusal: Error, CustomStringConvertible {
        var reason: String
        init(_ reason: String) { self.reason = reason }
        var description: String { reason }
    }
}

/// The claims Pokedex reads: the registered ones it checks, and every string claim (for the
/// configured user claim).
struct IdentityClaims: JWTPayload {
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var strings: [String: String]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        iss = try container.decodeIfPresent(IssuerClaim.self, forKey: Key(stringValue: "iss"))
        aud = try container.decodeIfPresent(AudienceClaim.self, forKey: Key(stringValue: "aud"))
        exp = try container.decode(ExpirationClaim.self, forKey: Key(stringValue: "exp"))
        nbf = try container.decodeIfPresent(NotBeforeClaim.self, forKey: Key(stringValue: "nbf"))
        var strings: [String: String] = [:]
        for key in container.allKeys {
            if let value = try? container.decode(String.self, forKey: key) { strings[key.stringValue] = value }
        }
        self.strings = strings
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in strings { try container.encode(value, forKey: Key(stringValue: key)) }
        try container.encodeIfPresent(iss, forKey: Key(stringValue: "iss"))
        try container.encodeIfPresent(aud, forKey: Key(stringValue: "aud"))
        try container.encode(exp, forKey: Key(stringValue: "exp"))
        try container.encodeIfPresent(nbf, forKey: Key(stringValue: "nbf"))
    }

    /// Expiry is required; a token used before its `nbf` is refused too.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore()
    }
}
