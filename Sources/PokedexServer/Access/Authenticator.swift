import Crypto
import Foundation
import HTTPTypes
import PokedexAssistant

/// Finds the principal behind a request's `Authorization: Bearer …` header: a configured token
/// (compared as SHA-256 digests, in constant time, against every principal) or, when an identity
/// provider is configured, a signed JWT. Without any credential configured every caller is
/// ``Principal/local`` (the server then binds loopback only).
struct Authenticator: Sendable {
    private let principals: [(digest: [UInt8], principal: Principal)]
    private let jwt: JWTVerifier?
    let requiresCredentials: Bool

    init(_ configuration: AccessConfiguration, jwt: JWTVerifier?) {
        principals = configuration.principals.compactMap { declaration in
            let digest: [UInt8]
            switch declaration.credential {
            case .token(let token)?: digest = Array(SHA256.hash(data: Array(token.revealed.utf8)))
            case .sha256(let hex)?: digest = Self.bytes(hex)
            case nil: return nil
            }
            let bound = declaration.role != .frontend
            return (
                digest,
                Principal(
                    name: declaration.name, role: declaration.role, identity: bound ? declaration.identity : nil,
                    administers: declaration.role == .admin)
            )
        }
        self.jwt = jwt
        requiresCredentials = configuration.requiresCredentials
    }

    /// The principal, or nil when the request carries no valid credential.
    func principal(for request: HTTPRequest) async -> Principal? {
        guard requiresCredentials else { return .local }
        guard let header = request.headerFields[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let offered = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard !offered.isEmpty else { return nil }
        let digest = Array(SHA256.hash(data: Array(offered.utf8)))
        var found: Principal?
        for entry in principals where Self.constantTimeEqual(entry.digest, digest) { found = entry.principal }
        if let found { return found }
        // Three base64url parts: a JWT for the identity provider.
        if let jwt, offered.split(separator: ".", omittingEmptySubsequences: false).count == 3,
            let user = await jwt.user(from: offered)
        {
            return Principal(name: "jwt", role: .user, identity: user, administers: false)
        }
        return nil
    }

    /// Compares two digests without stopping at the first difference.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    private static func bytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}
