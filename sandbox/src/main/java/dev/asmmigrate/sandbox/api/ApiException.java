package dev.asmmigrate.sandbox.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A failure the API server answers with a {@code Status} object, as the real one does.
 *
 * @see <a href="https://kubernetes.io/docs/reference/using-api/api-concepts/">API concepts</a>
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int code;
  private final String reason;
  private final transient ObjectNode details;

  public ApiException(int code, String reason, String message) {
    this(code, reason, message, null);
  }

  /**
   * @param details the Status object's {@code details} (name, group, kind, retryAfterSeconds), or
   *     null
   */
  public ApiException(int code, String reason, String message, ObjectNode details) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  public int code() {
    return code;
  }

  /**
   * The machine-readable reason, e.g. {@code NotFound}, {@code AlreadyExists}, {@code Conflict}.
   */
  public String reason() {
    return reason;
  }

  /** The Status object's {@code details}, or null. */
  public ObjectNode details() {
    return details == null ? null : details.deepCopy();
  }

  public static ApiException notFound(ResourceType type, String name) {
    return new ApiException(404, "NotFound", type.groupResource() + " \"" + name + "\" not found");
  }

  public static ApiException alreadyExists(ResourceType type, String name) {
    return new ApiException(
        409, "AlreadyExists", type.groupResource() + " \"" + name + "\" already exists");
  }

  /** 409 Conflict, as an update with a stale resourceVersion gets it; details name the object. */
  public static ApiException conflict(ResourceType type, String name, String why) {
    return new ApiException(
        409,
        "Conflict",
        "Operation cannot be fulfilled on " + type.groupResource() + " \"" + name + "\": " + why,
        objectDetails(type, name));
  }

  /**
   * 429 TooManyRequests, as API Priority and Fairness rejects a request before handling it; the
   * caller also sends the {@code Retry-After} header.
   */
  public static ApiException tooManyRequests(String message, int retryAfterSeconds) {
    ObjectNode details = Json.object();
    details.put("retryAfterSeconds", retryAfterSeconds);
    return new ApiException(429, "TooManyRequests", message, details);
  }

  private static ObjectNode objectDetails(ResourceType type, String name) {
    ObjectNode details = Json.object();
    details.put("name", name);
    if (!type.group().isEmpty()) {
      details.put("group", type.group());
    }
    details.put("kind", type.plural());
    return details;
  }

  public static ApiException invalid(ResourceType type, String name, String why) {
    return new ApiException(422, "Invalid", type.kind() + " \"" + name + "\" is invalid: " + why);
  }

  public static ApiException badRequest(String why) {
    return new ApiException(400, "BadRequest", why);
  }

  public static ApiException forbidden(String why) {
    return new ApiException(403, "Forbidden", why);
  }

  public static ApiException internal(String why) {
    return new ApiException(500, "InternalError", why);
  }
}
