package org.rapaio.jupyter.kernel.channels;

/**
 * vecrnn's replacement for rapaio-jupyter-kernel 3.0.1's LoopThread (same name, placed ahead of the
 * kernel jar on the kernel's class path). The original sets its running flag only after
 * {@code Thread.start()}, so a thread that gets to {@code run()} first sees false and ends: that
 * channel is dead and the kernel never answers (measured: about 1 start in 5). It also let one
 * exception from a loop body, e.g. a message that arrives before the kernel has registered its
 * handlers, end the thread. Here the flag is set before the thread starts, and a failing iteration is
 * reported and the loop goes on (Jupyter clients resend kernel_info_request until answered).
 */
public final class LoopThread extends Thread {
    private volatile boolean running;
    private final long sleepMillis;
    private final Runnable body;

    public LoopThread(String name, long sleepMillis, Runnable body) {
        super(name);
        this.sleepMillis = sleepMillis;
        this.body = body;
    }

    @Override
    public synchronized void start() {
        running = true;
        super.start();
    }

    @Override
    public void run() {
        while (running) {
            try {
                body.run();
            } catch (RuntimeException e) {
                System.err.println(getName() + ": " + e);
            }
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                running = false;
                return;
            }
        }
    }

    public void shutdown() {
        running = false;
    }
}
