package dev.asmmigrate.activities.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.model.BackupRef;
import dev.asmmigrate.workflows.model.FailureType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups in a local directory on the worker, like the seed's {@code -d tmpdir} but kept: {@code
 * <dir>/<migrationId>/<backup name>.json}, directories owner-only (0700), files owner-only (0600),
 * each file a small header (format, migration, step, the object's identity, SHA-256, absent flag,
 * time) and the object. First write wins: a file is created atomically (written under a temporary
 * name, then hard-linked to its final name, which fails if it exists) and never rewritten.
 */
public final class LocalBackupStore implements BackupStore {
  public static final String FORMAT = "asm-migrate-backup/v1";
  public static final Set<PosixFilePermission> DIRECTORY_MODE =
      PosixFilePermissions.fromString("rwx------");
  public static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-------");

  private static final Logger log = LoggerFactory.getLogger(LocalBackupStore.class);

  private final Path directory;

  public LocalBackupStore(Path directory) {
    this.directory = directory.toAbsolutePath().normalize();
  }

  public Path directory() {
    return directory;
  }

  @Override
  public BackupRef save(String migrationId, String step, ObjectKey key, ObjectNode object) {
    ObjectNode content = BackupContent.strip(object);
    String sha = BackupContent.sha256(BackupContent.json(content));
    String name = BackupContent.backupName(migrationId, key);
    Path dir = migrationDirectory(migrationId, true);
    Path target = dir.resolve(name + ".json");
    if (Files.exists(target)) {
      return existing(migrationId, key, target);
    }
    ObjectNode file = BackupContent.MAPPER.createObjectNode();
    file.put("format", FORMAT);
    file.put("migrationId", migrationId);
    file.put("step", step);
    file.put("apiVersion", key.apiVersion());
    file.put("kind", key.kind());
    file.put("namespace", key.namespace());
    file.put("name", key.name());
    file.put("sha256", sha);
    file.put("absent", content == null);
    file.put("backedUpAt", Instant.now().toString());
    file.set("object", content);
    byte[] bytes;
    try {
      bytes = BackupContent.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path temp = null;
    try {
      temp = Files.createTempFile(dir, ".tmp-" + name + "-", ".json", fileMode());
      restrict(temp, FILE_MODE);
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          ch.write(buffer);
        }
        ch.force(true);
      }
      try {
        Files.createLink(target, temp);
      } catch (UnsupportedOperationException e) {
        Files.move(temp, target); // no REPLACE_EXISTING: fails if the target exists
        temp = null;
      }
    } catch (FileAlreadyExistsException e) {
      return existing(migrationId, key, target);
    } catch (IOException e) {
      throw unusable("cannot write backup " + target, e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // a stray temporary file is ignored by load and list
        }
      }
    }
    log.info(
        "backed up {} ({}) for migration {} step {} to {} (sha256 {})",
        key,
        content == null ? "absent" : "present",
        migrationId,
        step,
        target,
        BackupContent.shortHash(sha));
    return new BackupRef(name, key.kind(), key.namespace(), key.name(), sha, content == null);
  }

  @Override
  public Optional<Backup> load(String migrationId, ObjectKey key) {
    Path dir = migrationDirectory(migrationId, false);
    Path file = dir.resolve(BackupContent.backupName(migrationId, key) + ".json");
    try {
      return Optional.of(read(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw unusable("cannot read backup " + file, e);
    }
  }

  @Override
  public List<Backup> list(String migrationId, String step) {
    Path dir = migrationDirectory(migrationId, false);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Timed> found = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "b-*.json")) {
      for (Path file : files) {
        JsonNode header = BackupContent.MAPPER.readTree(Files.readAllBytes(file));
        if (!migrationId.equals(header.path("migrationId").asText())
            || (step != null && !step.equals(header.path("step").asText()))) {
          continue;
        }
        found.add(new Timed(time(header.path("backedUpAt").asText()), read(file)));
      }
    } catch (IOException e) {
      throw unusable("cannot list backups in " + dir, e);
    }
    found.sort(Comparator.comparing(Timed::time).thenComparing(t -> t.backup().ref().key()));
    return found.stream().map(Timed::backup).toList();
  }

  // --- internals ---------------------------------------------------------------------------------

  private record Timed(Instant time, Backup backup) {}

  private BackupRef existing(String migrationId, ObjectKey key, Path target) {
    Backup kept;
    try {
      kept = read(target);
    } catch (IOException e) {
      throw unusable("cannot read backup " + target, e);
    }
    log.info(
        "backup of {} for migration {} exists already at {} (sha256 {}): kept",
        key,
        migrationId,
        target,
        BackupContent.shortHash(kept.ref().sha256()));
    return kept.ref();
  }

  private static Backup read(Path file) throws IOException {
    JsonNode node = BackupContent.MAPPER.readTree(Files.readAllBytes(file));
    if (!FORMAT.equals(node.path("format").asText())) {
      throw Failures.permanent(
          FailureType.BACKUP_CONFLICT, "backup file " + file + " is not an asm-migrate backup");
    }
    JsonNode obj = node.get("object");
    ObjectNode object = obj instanceof ObjectNode o ? o : null;
    String sha = BackupContent.sha256(BackupContent.json(object));
    if (!sha.equals(node.path("sha256").asText())) {
      throw Failures.permanent(
          FailureType.BACKUP_CONFLICT,
          "backup file "
              + file
              + " does not match its recorded SHA-256: it was changed after it was taken");
    }
    String namespace = node.path("namespace").isTextual() ? node.get("namespace").asText() : null;
    ObjectKey key =
        new ObjectKey(
            node.path("apiVersion").asText(),
            node.path("kind").asText(),
            namespace,
            node.path("name").asText());
    String name = file.getFileName().toString();
    name = name.substring(0, name.length() - ".json".length());
    return new Backup(
        new BackupRef(name, key.kind(), key.namespace(), key.name(), sha, object == null),
        key,
        object);
  }

  private Path migrationDirectory(String migrationId, boolean create) {
    Path dir = directory.resolve(BackupContent.migrationDirectory(migrationId));
    if (!create) {
      return dir;
    }
    try {
      if (!Files.isDirectory(directory)) {
        Files.createDirectories(directory);
        restrict(directory, DIRECTORY_MODE);
      }
      if (!Files.isDirectory(dir)) {
        try {
          Files.createDirectory(dir);
        } catch (FileAlreadyExistsException raced) {
          // another save created it
        }
      }
      restrict(dir, DIRECTORY_MODE);
    } catch (IOException e) {
      throw unusable("cannot create backup directory " + dir, e);
    }
    return dir;
  }

  /**
   * A local I/O failure, which no retry fixes (a parent that is a file, permission denied, a
   * read-only or full file system): non-retryable {@link FailureType#BACKUP_UNUSABLE}, one line
   * naming the path and the cause.
   */
  static io.temporal.failure.ApplicationFailure unusable(String what, IOException e) {
    return Failures.permanent(
        FailureType.BACKUP_UNUSABLE,
        "--backup-dir is unusable: " + what + ": " + cause(e) + "; give a writable directory");
  }

  /** The words of a local I/O failure, with the path it concerns. */
  static String cause(IOException e) {
    if (e instanceof FileAlreadyExistsException f) {
      return f.getFile() + " exists and is not a directory";
    }
    if (e instanceof java.nio.file.AccessDeniedException f) {
      return f.getFile() + ": permission denied";
    }
    if (e instanceof NoSuchFileException f) {
      return f.getFile() + ": no such file or directory";
    }
    if (e instanceof java.nio.file.FileSystemException f
        && f.getFile() != null
        && "Not a directory".equals(f.getReason())) {
      // name the file that stands where a directory must be
      for (Path p = Path.of(f.getFile()); p != null; p = p.getParent()) {
        if (Files.exists(p) && !Files.isDirectory(p)) {
          return p + " exists and is not a directory";
        }
      }
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return (f.getFile() == null ? "" : f.getFile() + ": ") + f.getReason();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static FileAttribute<?>[] fileMode() {
    return posix()
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE_MODE)}
        : new FileAttribute<?>[0];
  }

  private static boolean posix() {
    return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  private static void restrict(Path path, Set<PosixFilePermission> mode) throws IOException {
    if (posix()) {
      Files.setPosixFilePermissions(path, mode);
    } else {
      log.warn("{}: not a POSIX file system; cannot restrict its permissions to the owner", path);
    }
  }

  private static Instant time(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }
}
