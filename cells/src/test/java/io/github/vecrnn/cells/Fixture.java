package io.github.vecrnn.cells;

import io.github.vecrnn.io.SafeTensors;

import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A golden fixture written by tools/make_fixtures.py (PyTorch, float64, stored as float32). */
public final class Fixture {
    final String name;
    public final SafeTensors.Contents contents;
    private final String config;

    private Fixture(String name, SafeTensors.Contents contents) {
        this.name = name;
        this.contents = contents;
        this.config = contents.metadata().get("config");
    }

    public static Fixture load(String name) {
        try (InputStream in = Fixture.class.getResourceAsStream("/fixtures/" + name + ".safetensors")) {
            if (in == null) throw new IllegalStateException("fixture " + name + " not found; run tools/make_fixtures.py");
            return new Fixture(name, SafeTensors.parse(in.readAllBytes()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean has(String tensor) {
        return contents.tensors().containsKey(tensor);
    }

    public float[] floats(String tensor) {
        return contents.get(tensor).toFloatArray();
    }

    public int[] ints(String tensor) {
        float[] f = floats(tensor);
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) out[i] = (int) f[i];
        return out;
    }

    public String string(String key) {
        Matcher m = Pattern.compile("\"" + key + "\": \"([^\"]*)\"").matcher(config);
        if (!m.find()) throw new IllegalStateException(name + ": no string " + key + " in " + config);
        return m.group(1);
    }

    private String raw(String key) {
        Matcher m = Pattern.compile("\"" + key + "\": ([^,}]+)").matcher(config);
        if (!m.find()) throw new IllegalStateException(name + ": no " + key + " in " + config);
        return m.group(1).trim();
    }

    public int integer(String key) {
        return Integer.parseInt(raw(key));
    }

    public boolean bool(String key) {
        return Boolean.parseBoolean(raw(key));
    }

    /** A flag that older fixtures do not carry: absent means the given value. */
    public boolean bool(String key, boolean absent) {
        return config.contains("\"" + key + "\":") ? bool(key) : absent;
    }

    public String optional(String key) {
        String v = raw(key);
        return v.equals("null") ? null : v;
    }
}
