package dev.asmmigrate.worker.codec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 keys of the payload codec, the first one encrypting, all of them decrypting. A key is
 * 32 bytes, given raw or base64-encoded; its id is the first 16 hex digits of the SHA-256 of {@code
 * "asm-migrate-codec-key:" || key}, so that ids are stable, need no configuration, and say nothing
 * usable about the key.
 */
public final class CodecKeys {
  public static final int KEY_BYTES = 32;

  /** A key file that is unsafe or unreadable, or a malformed key; the message says which. */
  public static final class InvalidKeyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidKeyException(String message) {
      super(message);
    }
  }

  /** One key and its id. */
  public record Key(String id, SecretKey secretKey) {
    @Override
    public String toString() {
      return "Key[" + id + "]";
    }
  }

  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private final List<Key> keys;

  private CodecKeys(List<Key> keys) {
    if (keys.isEmpty()) {
      throw new InvalidKeyException("no codec key");
    }
    this.keys = List.copyOf(keys);
  }

  /** Keys from raw bytes, the first encrypting. */
  public static CodecKeys of(List<byte[]> raw) {
    List<Key> keys = new ArrayList<>();
    for (byte[] k : raw) {
      if (k.length != KEY_BYTES) {
        throw new InvalidKeyException(
            "a codec key must be " + KEY_BYTES + " bytes (AES-256), got " + k.length);
      }
      keys.add(new Key(idOf(k), new SecretKeySpec(k.clone(), "AES")));
    }
    return new CodecKeys(keys);
  }

  /**
   * Keys from files (each 32 raw bytes, or their base64 on one line) then from {@code envValue}
   * (base64 keys separated by commas), in that order; the first of all encrypts. A file readable or
   * writable by its group or by others is refused: the key would not be the worker's alone.
   *
   * @return empty when neither gives a key (the codec is off)
   */
  public static Optional<CodecKeys> load(List<Path> files, String envValue) {
    List<byte[]> raw = new ArrayList<>();
    for (Path file : files) {
      raw.add(readKeyFile(file));
    }
    if (envValue != null && !envValue.isBlank()) {
      for (String part : envValue.split(",")) {
        if (!part.isBlank()) {
          raw.add(decodeBase64(part.trim(), "ASM_MIGRATE_CODEC_KEY"));
        }
      }
    }
    return raw.isEmpty() ? Optional.empty() : Optional.of(of(raw));
  }

  public Key primary() {
    return keys.get(0);
  }

  public Optional<Key> byId(String id) {
    return keys.stream().filter(k -> k.id().equals(id)).findFirst();
  }

  public List<String> ids() {
    return keys.stream().map(Key::id).toList();
  }

  static byte[] readKeyFile(Path file) {
    Set<PosixFilePermission> mode;
    byte[] content;
    try {
      if (!Files.isRegularFile(file)) {
        throw new InvalidKeyException(
            "codec key file " + file + " does not exist or is not a file");
      }
      if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
        throw new InvalidKeyException(
            "cannot check that codec key file " + file + " is owner-only on this file system");
      }
      // follows symbolic links (Kubernetes mounts Secret files as links): the target's mode counts
      mode = Files.getPosixFilePermissions(file);
      content = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new InvalidKeyException("codec key file " + file + " does not exist");
    } catch (IOException e) {
      throw new InvalidKeyException("cannot read codec key file " + file + ": " + e.getMessage());
    }
    Set<PosixFilePermission> exposed = new LinkedHashSet<>(mode);
    exposed.retainAll(GROUP_OR_OTHERS);
    if (!exposed.isEmpty()) {
      throw new InvalidKeyException(
          "codec key file "
              + file
              + " is accessible to its group or to others ("
              + java.nio.file.attribute.PosixFilePermissions.toString(mode)
              + "); make it owner-only: chmod 600 "
              + file);
    }
    if (content.length == KEY_BYTES) {
      return content;
    }
    String text = new String(content, StandardCharsets.US_ASCII).trim();
    return decodeBase64(text, "codec key file " + file);
  }

  private static byte[] decodeBase64(String text, String where) {
    byte[] key;
    try {
      if (text.isEmpty()) {
        throw new IllegalArgumentException("empty");
      }
      key = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidKeyException(
          where + " holds neither " + KEY_BYTES + " raw bytes nor a base64-encoded key");
    }
    if (key.length != KEY_BYTES) {
      throw new InvalidKeyException(
          where
              + " holds a "
              + key.length
              + "-byte key; AES-256 needs "
              + KEY_BYTES
              + " bytes (e.g. head -c 32 /dev/urandom | base64)");
    }
    return key;
  }

  static String idOf(byte[] key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("asm-migrate-codec-key:".getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(sha.digest(key)).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
