package dev.jwtauth.launcher;

import io.vertx.core.Future;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * A piece of start-up work run on its own daemon thread beside the main thread's, joined with
 * {@link #await}, which rethrows what it threw. Start-up only: it blocks the caller.
 */
final class Background<T> {
  private final CompletableFuture<T> result = new CompletableFuture<>();

  private Background() {
  }

  static <T> Background<T> start(String name, Supplier<T> work) {
    Background<T> task = new Background<>();
    Thread thread = new Thread(() -> {
      try {
        task.result.complete(work.get());
      } catch (Throwable t) {
        task.result.completeExceptionally(t);
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
    return task;
  }

  /** The result as a Vert.x future, completed on the work's thread. */
  Future<T> future() {
    return Future.fromCompletionStage(result);
  }

  /** The result; a RuntimeException or Error of the work is rethrown as it was. */
  T await() {
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during start-up", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
