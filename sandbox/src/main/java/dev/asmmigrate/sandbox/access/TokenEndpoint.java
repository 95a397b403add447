package dev.asmmigrate.sandbox.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Google's OAuth 2.0 token endpoint for service accounts, as google-auth-library uses it: {@code
 * POST /token} with {@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>}.
 * The JWT must be RS256-signed by a key the sandbox made ({@link #register}), name its account as
 * {@code iss}, Google's token endpoint (or this one) as {@code aud}, and be short-lived and
 * current; then an access token good for {@link #TOKEN_TTL} is issued, which the secure API server
 * accepts. Refusals answer 400 with Google's {@code error} and {@code error_description}. Every
 * grant is logged ({@link #log}), without the tokens.
 */
public final class TokenEndpoint implements AutoCloseable {
  /** How long an issued access token is good for ({@code expires_in}). */
  public static final Duration TOKEN_TTL = Duration.ofHours(1);

  /**
   * The audience Google's token endpoint requires, which google-auth-library signs whatever the key
   * file's {@code token_uri}; this endpoint's own URI is accepted too.
   */
  private static final String GOOGLE_AUDIENCE = "https://oauth2.googleapis.com/token";

  private static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
  private static final Duration SKEW = Duration.ofMinutes(5);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request to the endpoint: who asked, and whether a token was issued or why not. */
  public record Grant(Instant at, String clientEmail, String scope, boolean issued, String error) {}

  private final ApiTokens tokens;
  private final Clock clock;
  private final Map<String, PublicKey> keys = new ConcurrentHashMap<>();
  private final List<Grant> log = new ArrayList<>();
  private HttpServer server;

  public TokenEndpoint(ApiTokens tokens, Clock clock) {
    this.tokens = tokens;
    this.clock = clock;
  }

  /** Accepts assertions of {@code key}'s account signed with it. */
  public void register(ServiceAccountKey key) {
    keys.put(key.clientEmail(), key.publicKey());
  }

  public synchronized void start() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("the token endpoint cannot listen on 127.0.0.1", e);
    }
    server.createContext("/token", this::handle);
    server.start();
  }

  /** {@code http://127.0.0.1:<port>/token}, a key file's {@code token_uri}. */
  public String tokenUri() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  /** Every grant asked for so far, oldest first. */
  public List<Grant> log() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (!"POST".equals(ex.getRequestMethod())) {
        send(ex, 405, error("invalid_request", "Use POST."));
        return;
      }
      Map<String, String> form =
          form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      String[] who = {null, null};
      try {
        String token = grant(form, who);
        record(new Grant(clock.instant(), who[0], who[1], true, null));
        ObjectNode body = JSON.createObjectNode();
        body.put("access_token", token);
        body.put("expires_in", TOKEN_TTL.toSeconds());
        body.put("token_type", "Bearer");
        send(ex, 200, body);
      } catch (Refused r) {
        record(new Grant(clock.instant(), who[0], who[1], false, r.error + ": " + r.getMessage()));
        send(ex, 400, error(r.error, r.getMessage()));
      }
    }
  }

  /** Checks the grant and issues a token; {@code who} gets the assertion's iss and scope. */
  private String grant(Map<String, String> form, String[] who) throws Refused {
    if (!JWT_BEARER.equals(form.get("grant_type"))) {
      throw new Refused("unsupported_grant_type", "Invalid grant_type: " + form.get("grant_type"));
    }
    String assertion = form.get("assertion");
    String[] parts = assertion == null ? new String[0] : assertion.split("\\.", -1);
    if (parts.length != 3) {
      throw new Refused("invalid_grant", "Invalid JWT: malformed assertion.");
    }
    JsonNode header;
    JsonNode claims;
    byte[] signature;
    try {
      Base64.Decoder b64 = Base64.getUrlDecoder();
      header = JSON.readTree(b64.decode(parts[0]));
      claims = JSON.readTree(b64.decode(parts[1]));
      signature = b64.decode(parts[2]);
    } catch (IOException | IllegalArgumentException e) {
      throw new Refused("invalid_grant", "Invalid JWT: malformed assertion.");
    }
    who[0] = claims.path("iss").asText(null);
    who[1] = claims.path("scope").asText(null);
    if (!"RS256".equals(header.path("alg").asText())) {
      throw new Refused("invalid_grant", "Invalid JWT: unsupported algorithm.");
    }
    PublicKey key = who[0] == null ? null : keys.get(who[0]);
    if (key == null) {
      throw new Refused("invalid_grant", "Invalid grant: account not found");
    }
    try {
      Signature verifier = Signature.getInstance("SHA256withRSA");
      verifier.initVerify(key);
      verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!verifier.verify(signature)) {
        throw new Refused("invalid_grant", "Invalid JWT Signature.");
      }
    } catch (GeneralSecurityException e) {
      throw new Refused("invalid_grant", "Invalid JWT Signature.");
    }
    String audience = claims.path("aud").asText();
    if (!GOOGLE_AUDIENCE.equals(audience) && !tokenUri().equals(audience)) {
      throw new Refused(
          "invalid_grant", "Invalid JWT: audience " + claims.path("aud").asText() + ".");
    }
    long now = clock.instant().getEpochSecond();
    long iat = claims.path("iat").asLong(Long.MIN_VALUE);
    long exp = claims.path("exp").asLong(Long.MIN_VALUE);
    if (exp <= now
        || iat > now + SKEW.toSeconds()
        || exp - iat > TOKEN_TTL.toSeconds()
        || iat == Long.MIN_VALUE) {
      throw new Refused(
          "invalid_grant",
          "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable"
              + " timeframe. Check your iat and exp values in the JWT claim.");
    }
    return tokens.issue("ya29.sandbox-", TOKEN_TTL);
  }

  private void record(Grant grant) {
    synchronized (log) {
      log.add(grant);
    }
  }

  private static ObjectNode error(String error, String description) {
    ObjectNode body = JSON.createObjectNode();
    body.put("error", error);
    body.put("error_description", description);
    return body;
  }

  private static void send(HttpExchange ex, int code, ObjectNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(code, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static final class Refused extends Exception {
    final String error;

    Refused(String error, String description) {
      super(description, null, false, false);
      this.error = error;
    }
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(0);
    }
  }
}
