import AsyncHTTPClient

extension HTTPClient {
    /// The client Pokedex talks to other servers with: the language model, Falcon, Open-Meteo, Webex,
    /// and a running Pokedex for `pokedex health`.
    ///
    /// `HTTPClient.shared` quietly retries a refused connection until the request's time limit, so a
    /// service that is down looked like one that hangs: every attempt, and the user, waited the whole
    /// limit. Here a connection that cannot be made fails the request at once (recovery decides about
    /// retrying, with its backoff, breaker and the turn's deadline), and one that neither succeeds nor
    /// fails (an address that drops packets) gives up after five seconds.
    public static let services: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout.connect = .seconds(5)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
