package dev.asmmigrate.sandbox.api;

/**
 * A failure the API server answers with a {@code Status} object, as the real one does.
 *
 * @see <a href="https://kubernetes.io/docs/reference/using-api/api-concepts/">API concepts</a>
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int code;
  private final String reason;

  public ApiException(int code, String reason, String message) {
    super(message);
    this.code = code;
    this.reason = reason;
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

  public static ApiException notFound(ResourceType type, String name) {
    return new ApiException(404, "NotFound", type.groupResource() + " \"" + name + "\" not found");
  }

  public static ApiException alreadyExists(ResourceType type, String name) {
    return new ApiException(
        409, "AlreadyExists", type.groupResource() + " \"" + name + "\" already exists");
  }

  public static ApiException conflict(ResourceType type, String name, String why) {
    return new ApiException(
        409,
        "Conflict",
        "Operation cannot be fulfilled on " + type.groupResource() + " \"" + name + "\": " + why);
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
