package io.weft.block;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Instant, thin copies of a file (a snapshot of a replica, a clone of a snapshot): the copy shares
 * the original's extents on disk (FICLONE) and only what either side writes later takes space. The
 * file system must support it (XFS made with {@code reflink=1}, btrfs); others are refused with a
 * {@link ReflinkUnsupportedException} saying so, never copied slowly behind the caller's back.
 *
 * <p>A copy is made under a temporary name, made durable and then renamed into place, so a crash
 * leaves either no copy or a whole one (and perhaps a {@code .tmp} file to sweep).
 */
public final class Reflinks {
  private static final int EOPNOTSUPP = 95;
  private static final int EXDEV = 18;
  private static final int EINVAL = 22;
  private static final int ENOTTY = 25;

  private Reflinks() {}

  /** The file system cannot share extents. */
  public static final class ReflinkUnsupportedException extends IOException {
    ReflinkUnsupportedException(Path where, int errno) {
      super(
          where
              + " is on a file system that cannot share extents (reflink; errno "
              + errno
              + "): snapshots and clones need XFS made with reflink=1 (mkfs.xfs -m reflink=1) or"
              + " btrfs");
    }
  }

  /**
   * Copies {@code source} (a file no device holds open) to {@code target}, which must not exist.
   */
  public static void copy(Path source, Path target) throws IOException {
    LinuxFile from = LinuxFile.open(source);
    if (from == null) {
      throw new IOException("reflinks need native access: " + LinuxFile.unavailableReason());
    }
    try {
      copyFrom(from.fd(), target);
    } finally {
      from.close();
    }
  }

  /**
   * Copies what the descriptor {@code sourceFd} holds to {@code target}: a device copies itself
   * through its own descriptor, as opening and closing another one would drop its lock on the file.
   */
  static void copyFrom(int sourceFd, Path target) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp);
    boolean done = false;
    try {
      LinuxFile to = LinuxFile.open(tmp);
      if (to == null) {
        throw new IOException("reflinks need native access: " + LinuxFile.unavailableReason());
      }
      try {
        int errno = to.cloneFrom(sourceFd);
        if (errno == EOPNOTSUPP || errno == EXDEV || errno == EINVAL || errno == ENOTTY) {
          throw new ReflinkUnsupportedException(target.getParent(), errno);
        }
        if (errno != 0) {
          throw new IOException("FICLONE into " + tmp + " failed: errno " + errno);
        }
      } finally {
        to.close();
      }
      try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        c.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        dir.force(true);
      }
      done = true;
    } finally {
      if (!done) {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
