package io.github.vecrnn.train;

import java.io.PrintStream;

/**
 * Keras's progress line, redrawn in place at most every 100 ms:
 * {@code epoch 3/10 [=========>          ] 45/100 ETA 3.2 s loss 0.1234}, then the epoch's summary on a line
 * of its own. Formats only when it draws, so a step costs nothing when nobody looks.
 */
final class ProgressBar implements FitListener {
    private static final long REDRAW_NANOS = 100_000_000;
    private static final int WIDTH = 30;

    private final PrintStream out;
    private int epochs;
    private long epochStart, lastDraw;
    private double lossSum;

    ProgressBar(PrintStream out) {
        this.out = out;
    }

    /** Whether standard output is a terminal someone watches (not a file, a pipe or a test runner). */
    static boolean onTerminal() {
        java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }

    @Override
    public void epochStarted(Trainer trainer, int epoch, int epochs, int steps) {
        this.epochs = epochs;
        epochStart = lastDraw = System.nanoTime();
        lossSum = 0;
        draw(epoch, 0, steps);
    }

    @Override
    public void stepEnded(Trainer trainer, int epoch, int step, int steps, float loss) {
        lossSum += loss;
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS && step < steps) return;
        lastDraw = now;
        draw(epoch, step, steps);
    }

    @Override
    public boolean epochEnded(Trainer trainer, Epoch epoch) {
        out.print("\r\033[K");
        out.println("epoch " + epoch.epoch() + "/" + epochs + ": " + epoch.scores());
        out.flush();
        return false;
    }

    private void draw(int epoch, int step, int steps) {
        int filled = steps == 0 ? WIDTH : (int) ((long) WIDTH * step / steps);
        StringBuilder line = new StringBuilder("\r\033[Kepoch ").append(epoch).append('/').append(epochs).append(" [");
        for (int i = 0; i < WIDTH; i++) line.append(i < filled ? '=' : i == filled ? '>' : ' ');
        line.append("] ").append(step).append('/').append(steps);
        if (step > 0) {
            double elapsed = (System.nanoTime() - epochStart) / 1e9;
            line.append(String.format(" ETA %.1f s loss %.4g", elapsed / step * (steps - step), lossSum / step));
        }
        out.print(line);
        out.flush();
    }
}
