package io.github.vecrnn.io;

/** JSON string literals: for the safetensors headers vecrnn writes ({@link JsonReader} reads them) and its messages. */
final class JsonWriter {
    private JsonWriter() {
    }

    /**
     * The string as a JSON string literal, quotes included; control characters escaped. A string with an
     * unpaired surrogate has no UTF-8 form and is refused (IllegalArgumentException), where encoding it
     * would silently write '?' in its place.
     */
    static String quote(String v) {
        return literal(v, false);
    }

    /**
     * The string in single quotes for a message, with every character a reader could not see or tell apart
     * (control and format characters such as a byte order mark, separators other than the space, unpaired
     * surrogates) as a backslash-u escape, and quotes and backslashes escaped.
     */
    static String visible(String v) {
        if (v.length() <= MESSAGE_CHARS) return literal(v, true);
        return literal(v.substring(0, MESSAGE_CHARS), true) + "... (" + v.length() + " characters)";
    }

    /** The most characters of one string a message shows. */
    private static final int MESSAGE_CHARS = 80;

    private static String literal(String v, boolean forMessage) {
        char quote = forMessage ? '\'' : '"';
        StringBuilder b = new StringBuilder().append(quote);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == quote) {
                b.append('\\').append(c);
                continue;
            }
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    boolean paired = Character.isHighSurrogate(c) ? i + 1 < v.length() && Character.isLowSurrogate(v.charAt(i + 1))
                                   : !Character.isLowSurrogate(c) || i > 0 && Character.isHighSurrogate(v.charAt(i - 1));
                    if (!paired && !forMessage) {
                        throw new IllegalArgumentException("the name or value " + visible(v)
                                + " has an unpaired surrogate at index " + i + ": it has no UTF-8 form");
                    }
                    if (c < 0x20 || forMessage && (!paired || invisible(c))) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append(quote).toString();
    }

    private static boolean invisible(char c) {
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
               || type == Character.PRIVATE_USE || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
               || type == Character.SPACE_SEPARATOR && c != ' ';
    }
}
