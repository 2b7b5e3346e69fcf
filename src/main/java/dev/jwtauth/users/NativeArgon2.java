package dev.jwtauth.users;

import com.sun.jna.Callback;
import com.sun.jna.CallbackReference;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import de.mkammerer.argon2.jna.Argon2Library;
import de.mkammerer.argon2.jna.Argon2_context;
import de.mkammerer.argon2.jna.Argon2_version;
import de.mkammerer.argon2.jna.JnaUint32;
import de.mkammerer.argon2.jna.Size_t;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * argon2id through the reference C library that argon2-jvm ships (its {@code argon2id_ctx}), with
 * the hash's working memory ({@code m} KiB, 19 MiB at the defaults) taken from a small pool of
 * native blocks instead of {@code malloc} on every hash.
 *
 * <p>Why: glibc serves a freed 19 MiB block again from the freeing thread's arena and keeps it
 * resident (after the first free it stops using {@code mmap} for blocks that size), so every thread
 * that ever hashed kept one or two such blocks; the process grew by about 150 MiB under a login
 * flood. Forcing {@code mmap} instead made each hash fault its 19 MiB in afresh, four times slower
 * on these machines. A pooled block is already resident: hashing is as fast as the warm {@code malloc}
 * case or faster, and the native memory held is at most {@code keep} blocks plus those of hashes
 * running beyond that. The library wipes the block before handing it back (its
 * {@code clear_internal_memory} default), so no password-derived state stays in an idle block.
 * Where the kernel offers them, a block's pages are 2 MiB ones ({@link WorkingMemory}). A block
 * nobody has used for {@link #IDLE_RELEASE_MILLIS} is unmapped: the pool holds memory only while
 * people sign in, and the first login after a pause maps its block again (with huge pages, ten
 * page faults).
 */
final class NativeArgon2 {
  /** {@code int (*allocate_fptr)(uint8_t **memory, size_t bytes_to_allocate)} */
  public interface Allocate extends Callback {
    int invoke(Pointer memoryOut, Size_t bytes);
  }

  /** {@code void (*deallocate_fptr)(uint8_t *memory, size_t bytes_to_allocate)} */
  public interface Release extends Callback {
    void invoke(Pointer memory, Size_t bytes);
  }

  private static final int ARGON2_OK = 0;
  private static final int ARGON2_MEMORY_ALLOCATION_ERROR = -22;

  private final Argon2Library library = Argon2Library.INSTANCE;
  /** Blocks idle this long are given back to the system (a login after that maps a fresh one). */
  static final long IDLE_RELEASE_MILLIS = 2_000;
  /** One daemon thread for every engine of the process: it only unmaps blocks nobody used lately. */
  private static final ScheduledExecutorService RELEASER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "argon2-release");
    t.setDaemon(true);
    return t;
  });

  private final int keep;
  private final long idleReleaseNanos;
  private final AtomicBoolean releaseScheduled = new AtomicBoolean();
  private final WorkingMemory.LibC hugePages;
  private final ConcurrentLinkedQueue<WorkingMemory> idle = new ConcurrentLinkedQueue<>();
  private final AtomicInteger idleCount = new AtomicInteger();
  /** The block each hashing thread holds between the library's allocate and free calls. */
  private final ThreadLocal<WorkingMemory> held = new ThreadLocal<>();
  // strong references: JNA frees a callback's native stub when its Java object is collected
  private final Allocate allocate = this::allocate;
  private final Release release = this::release;
  private final Pointer allocatePointer = CallbackReference.getFunctionPointer(allocate);
  private final Pointer releasePointer = CallbackReference.getFunctionPointer(release);

  /** @param keep idle blocks kept for reuse (the number of threads that hash at once) */
  NativeArgon2(int keep) {
    this(keep, WorkingMemory.hugePages());
  }

  /** Same, with huge pages advised through {@code hugePages} (null: plain blocks). */
  NativeArgon2(int keep, WorkingMemory.LibC hugePages) {
    this(keep, hugePages, IDLE_RELEASE_MILLIS);
  }

  /** Same, giving idle blocks back after {@code idleReleaseMillis}. */
  NativeArgon2(int keep, WorkingMemory.LibC hugePages, long idleReleaseMillis) {
    this.keep = Math.max(1, keep);
    this.hugePages = hugePages;
    this.idleReleaseNanos = TimeUnit.MILLISECONDS.toNanos(idleReleaseMillis);
  }

  /** Whether blocks are mapped with huge pages advised (see {@link WorkingMemory}). */
  boolean hugePages() {
    return hugePages != null;
  }

  /** argon2id v1.3 of {@code password} with {@code salt}, {@code lanes} lanes on as many threads; {@code length} bytes out. */
  byte[] hash(byte[] password, byte[] salt, int iterations, int memoryKib, int lanes, int length) {
    Memory out = new Memory(length);
    Memory pwd = new Memory(Math.max(1, password.length));
    Memory saltMemory = new Memory(Math.max(1, salt.length));
    try {
      pwd.write(0, password, 0, password.length);
      saltMemory.write(0, salt, 0, salt.length);
      Argon2_context.ByReference ctx = new Argon2_context.ByReference();
      ctx.out = out;
      ctx.outlen = new JnaUint32(length);
      ctx.pwd = pwd;
      ctx.pwdlen = new JnaUint32(password.length);
      ctx.salt = saltMemory;
      ctx.saltlen = new JnaUint32(salt.length);
      ctx.secret = null;
      ctx.secretlen = new JnaUint32(0);
      ctx.ad = null;
      ctx.adlen = new JnaUint32(0);
      ctx.t_cost = new JnaUint32(iterations);
      ctx.m_cost = new JnaUint32(memoryKib);
      ctx.lanes = new JnaUint32(lanes);
      ctx.threads = new JnaUint32(lanes); // as argon2-jvm did; the memory is still taken and given back on this thread
      ctx.version = new Argon2_version(0x13);
      ctx.allocate_cbk = allocatePointer;
      ctx.free_cbk = releasePointer;
      ctx.flags = new JnaUint32(0);
      int result = library.argon2id_ctx(ctx);
      if (result != ARGON2_OK) {
        throw new IllegalStateException("argon2id failed: " + library.argon2_error_message(result));
      }
      return out.getByteArray(0, length);
    } finally {
      pwd.clear();
      out.clear();
      pwd.close();
      out.close();
      saltMemory.close();
      WorkingMemory left = held.get();
      if (left != null) {
        // the library failed between allocating and freeing: the block goes back all the same
        held.remove();
        giveBack(left);
      }
    }
  }

  /** Idle blocks held now (for tests). */
  int idleBlocks() {
    return idleCount.get();
  }

  private int allocate(Pointer memoryOut, Size_t bytes) {
    long size = bytes.longValue();
    WorkingMemory block = idle.poll();
    if (block != null) {
      idleCount.decrementAndGet();
      if (block.size() < size) {
        block.free(); // parameters grew: the smaller block is freed
        block = null;
      }
    }
    try {
      if (block == null) {
        block = WorkingMemory.allocate(size, hugePages);
      }
    } catch (OutOfMemoryError e) {
      return ARGON2_MEMORY_ALLOCATION_ERROR;
    }
    held.set(block);
    memoryOut.setPointer(0, block.pointer());
    return ARGON2_OK;
  }

  private void release(Pointer memory, Size_t bytes) {
    WorkingMemory block = held.get();
    held.remove();
    if (block != null) {
      giveBack(block);
    }
  }

  private void giveBack(WorkingMemory block) {
    if (idleCount.incrementAndGet() <= keep) {
      block.idleSince(System.nanoTime());
      idle.offer(block);
      scheduleRelease(idleReleaseNanos);
    } else {
      idleCount.decrementAndGet(); // more hashes ran at once than we keep blocks for: this one goes
      block.free();
    }
  }

  private void scheduleRelease(long delayNanos) {
    if (releaseScheduled.compareAndSet(false, true)) {
      RELEASER.schedule(this::releaseIdle, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Unmaps the blocks idle for {@link #IDLE_RELEASE_MILLIS} or more: a server that has stopped
   * signing people in does not keep 19 MiB per hash worker. A block taken back by a hash meanwhile
   * is not touched ({@code remove} decides who has it).
   */
  private void releaseIdle() {
    long now = System.nanoTime();
    long next = Long.MAX_VALUE;
    for (WorkingMemory block : idle) {
      long due = block.idleSince() + idleReleaseNanos;
      if (due - now <= 0) {
        if (idle.remove(block)) {
          idleCount.decrementAndGet();
          block.free();
        }
      } else {
        next = Math.min(next, due - now);
      }
    }
    releaseScheduled.set(false);
    if (next != Long.MAX_VALUE || !idle.isEmpty()) {
      scheduleRelease(next == Long.MAX_VALUE ? idleReleaseNanos : next);
    }
  }
}
