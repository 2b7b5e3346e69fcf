package dev.jwtauth.users;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One native block of argon2id working memory, kept by {@link NativeArgon2}'s pool.
 *
 * <p>On Linux, where the kernel offers transparent huge pages for memory that asks for them (its
 * {@code enabled} setting is {@code always} or {@code madvise}), the block is mapped on its own
 * and its whole 2 MiB pages are advised {@code MADV_HUGEPAGE}: the 19 MiB that a hash reads in
 * random order then take 10 TLB entries instead of some 4,900, so a hash loses less to TLB misses
 * when other threads (event loops, PostgreSQL, the client) share its core and flush the TLB on
 * every switch. Only whole pages inside the block are advised, so it holds no more memory than
 * a plain one. Elsewhere, or when the mapping fails, it is a plain {@code malloc}'d block.
 */
final class WorkingMemory {
  interface LibC extends Library {
    Pointer mmap(Pointer address, long length, int protection, int flags, int fd, long offset);

    int munmap(Pointer address, long length);

    int madvise(Pointer address, long length, int advice);
  }

  private static final long HUGE_PAGE = 2L << 20;
  private static final int PROT_READ_WRITE = 0x1 | 0x2;
  private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20; // Linux, x86-64 and aarch64
  private static final int MADV_HUGEPAGE = 14;
  private static final Path THP_SETTING = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

  private final Pointer pointer;
  private final long size;
  private final Memory plain;
  private final LibC libc;
  private final Pointer mapping;
  private final long mappingLength;
  private volatile long idleSince;

  private WorkingMemory(Pointer pointer, long size, Memory plain, LibC libc, Pointer mapping, long mappingLength) {
    this.pointer = pointer;
    this.size = size;
    this.plain = plain;
    this.libc = libc;
    this.mapping = mapping;
    this.mappingLength = mappingLength;
  }

  /**
   * The C library to map huge-page blocks with, or null where they are not offered (not Linux, or
   * the kernel's setting is {@code never} or unreadable). Read once, when the engine is selected.
   */
  static LibC hugePages() {
    if (!Platform.isLinux()) {
      return null;
    }
    try {
      String setting = Files.readString(THP_SETTING);
      if (!setting.contains("[always]") && !setting.contains("[madvise]")) {
        return null;
      }
      return Native.load(Platform.C_LIBRARY_NAME, LibC.class);
    } catch (IOException | LinkageError e) {
      return null;
    }
  }

  /** A block of {@code size} bytes; huge pages advised when {@code libc} is not null. */
  static WorkingMemory allocate(long size, LibC libc) {
    if (libc != null && size >= HUGE_PAGE) {
      long length = size + HUGE_PAGE; // room to start on a 2 MiB boundary
      Pointer mapped = libc.mmap(null, length, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0);
      long address = Pointer.nativeValue(mapped);
      if (address != -1L && address != 0L) {
        long aligned = (address + HUGE_PAGE - 1) & -HUGE_PAGE;
        // advice is only advice: if refused, the block works as it is, in small pages
        libc.madvise(new Pointer(aligned), size & -HUGE_PAGE, MADV_HUGEPAGE);
        return new WorkingMemory(new Pointer(aligned), size, null, libc, mapped, length);
      }
    }
    Memory plain = new Memory(size);
    return new WorkingMemory(plain, size, plain, null, null, 0);
  }

  Pointer pointer() {
    return pointer;
  }

  long size() {
    return size;
  }

  /** When the block was last given back to the pool ({@link System#nanoTime}). */
  long idleSince() {
    return idleSince;
  }

  void idleSince(long nanoTime) {
    idleSince = nanoTime;
  }

  /** Whether this block was mapped with huge pages advised (for tests). */
  boolean mapped() {
    return mapping != null;
  }

  void free() {
    if (plain != null) {
      plain.close();
    } else {
      libc.munmap(mapping, mappingLength);
    }
  }
}
