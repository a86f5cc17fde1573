package io.github.vecrnn.io;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A strict pull reader of JSON (RFC 8259) held as UTF-8 bytes, for headers that may be hostile. It builds
 * no tree: the caller asks for what it expects ({@link #beginObject}, {@link #nextName}, {@link #nextLong},
 * ...) and keeps only what it needs, so reading allocates little beyond the strings it returns.
 *
 * <p>Strict: the whole text must be valid UTF-8 (checked first); no comments, no trailing commas, no
 * leading zeros, no '+' signs, no control characters in strings, {@code \}{@code u} escapes of exactly four
 * hex digits and no unpaired surrogates, nesting at most {@value #MAX_DEPTH} deep. Every error is an
 * {@link IllegalArgumentException} naming the byte offset and what was found there.
 */
final class JsonReader {
    static final int MAX_DEPTH = 64;

    private final byte[] in;
    private final String[] constants;
    private final int start, end;
    private int pos;
    private int depth;
    private long started;   // bit d: the container at depth d has had a member, so the next needs a comma

    /**
     * A reader of in[offset, offset + length); refuses text that is not valid UTF-8. A string that equals
     * one of the ASCII constants (the field names and values the caller expects) is returned as that
     * constant, without allocating.
     */
    JsonReader(byte[] in, int offset, int length, String... constants) {
        this.in = in;
        this.constants = constants;
        this.start = offset;
        this.end = offset + length;
        this.pos = offset;
        checkUtf8();
    }

    private void checkUtf8() {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.wrap(in, start, end - start);
        CharBuffer scratch = CharBuffer.allocate(4096);    // decoded and dropped: only validity is kept
        while (true) {
            CoderResult r = decoder.decode(bytes, scratch, true);
            if (r.isError()) {
                throw new IllegalArgumentException("not valid UTF-8 at byte " + (bytes.position() - start));
            }
            scratch.clear();
            if (r.isUnderflow()) break;
        }
        if (decoder.flush(scratch).isError()) throw new IllegalArgumentException("not valid UTF-8 at its end");
    }

    /** The kinds of value {@link #peek} tells apart. */
    enum Kind { OBJECT, ARRAY, STRING, NUMBER, LITERAL }

    /** The kind of the next value (after white space). */
    Kind peek() {
        skipSpace();
        if (pos >= end) throw error("unexpected end of the text");
        int c = in[pos];
        return switch (c) {
            case '{' -> Kind.OBJECT;
            case '[' -> Kind.ARRAY;
            case '"' -> Kind.STRING;
            case 't', 'f', 'n' -> Kind.LITERAL;
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield Kind.NUMBER;
                throw unexpected("a value");
            }
        };
    }

    void beginObject() {
        open('{');
    }

    void endObject() {
        close('}');
    }

    void beginArray() {
        open('[');
    }

    void endArray() {
        close(']');
    }

    /**
     * Whether the current object or array has another member; consumes the comma before it. False at the
     * closing bracket, which {@link #endObject} or {@link #endArray} then consumes.
     */
    boolean hasNext() {
        skipSpace();
        if (pos >= end) throw error("unexpected end of the text");
        int c = in[pos];
        long bit = 1L << (depth - 1);
        if ((started & bit) == 0) {
            if (c == '}' || c == ']') return false;
            started |= bit;
            return true;
        }
        if (c == '}' || c == ']') return false;
        if (c != ',') throw unexpected("',' or a closing bracket");
        pos++;
        skipSpace();
        if (pos < end && (in[pos] == '}' || in[pos] == ']')) throw error("a comma before a closing bracket");
        return true;
    }

    /** An object member's name and the colon after it. */
    String nextName() {
        skipSpace();
        if (pos >= end || in[pos] != '"') throw unexpected("a member name (a string)");
        String name = string();
        skipSpace();
        if (pos >= end || in[pos] != ':') throw unexpected("':'");
        pos++;
        return name;
    }

    String nextString() {
        if (peek() != Kind.STRING) throw unexpected("a string");
        return string();
    }

    /** An integer in the range of long: no fraction, no exponent. */
    long nextLong() {
        if (peek() != Kind.NUMBER) throw unexpected("an integer");
        int from = pos;
        if (in[pos] == '-') pos++;
        if (pos >= end || in[pos] < '0' || in[pos] > '9') throw unexpected("a digit");
        if (in[pos] == '0' && pos + 1 < end && in[pos + 1] >= '0' && in[pos + 1] <= '9') {
            throw error("a number with a leading zero");
        }
        boolean negative = in[from] == '-';
        long value = 0;   // accumulated negative: -Long.MIN_VALUE does not fit
        while (pos < end && in[pos] >= '0' && in[pos] <= '9') {
            int digit = in[pos] - '0';
            if (value < (Long.MIN_VALUE + digit) / 10) {
                while (pos < end && in[pos] >= '0' && in[pos] <= '9') pos++;
                String digits = new String(in, from, pos - from, StandardCharsets.US_ASCII);
                pos = from;
                throw error("integer " + digits + " is outside the range of a 64-bit integer");
            }
            value = value * 10 - digit;
            pos++;
        }
        if (pos < end && (in[pos] == '.' || in[pos] == 'e' || in[pos] == 'E')) {
            throw error("expected an integer, found a number with a fraction or an exponent");
        }
        if (!negative && value == Long.MIN_VALUE) {
            String digits = new String(in, from, pos - from, StandardCharsets.US_ASCII);
            pos = from;
            throw error("integer " + digits + " is outside the range of a 64-bit integer");
        }
        return negative ? value : -value;
    }

    /** Skips the next value, whatever it is (nesting still bounded, strings and numbers still checked). */
    void skipValue() {
        switch (peek()) {
            case OBJECT -> {
                beginObject();
                while (hasNext()) {
                    nextName();
                    skipValue();
                }
                endObject();
            }
            case ARRAY -> {
                beginArray();
                while (hasNext()) skipValue();
                endArray();
            }
            case STRING -> string();
            case NUMBER -> skipNumber();
            case LITERAL -> literal();
        }
    }

    /** Checks that nothing but white space follows the value read. */
    void endDocument() {
        skipSpace();
        if (pos < end) throw unexpected("the end of the text");
    }

    // ------------------------------------------------------------------------------------ tokens

    private void open(char bracket) {
        skipSpace();
        if (pos >= end || in[pos] != bracket) throw unexpected("'" + bracket + "'");
        if (depth == MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH + " levels");
        pos++;
        depth++;
        started &= ~(1L << (depth - 1));
    }

    private void close(char bracket) {
        skipSpace();
        if (pos >= end || in[pos] != bracket) throw unexpected("'" + bracket + "'");
        pos++;
        depth--;
    }

    private void skipSpace() {
        while (pos < end) {
            int c = in[pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            pos++;
        }
    }

    /** The string starting at the quote at pos. */
    private String string() {
        int from = ++pos;
        // Fast path: no escapes. '"' and '\' are ASCII, never part of a multi-byte UTF-8 sequence.
        while (pos < end && in[pos] != '"' && in[pos] != '\\') {
            if ((in[pos] & 0xff) < 0x20) throw error("a control character in a string");
            pos++;
        }
        if (pos >= end) throw error("a string that does not end");
        if (in[pos] == '"') return text(from, pos++);
        StringBuilder b = new StringBuilder().append(new String(in, from, pos - from, StandardCharsets.UTF_8));
        while (true) {
            int run = pos;
            while (pos < end && in[pos] != '"' && in[pos] != '\\') {
                if ((in[pos] & 0xff) < 0x20) throw error("a control character in a string");
                pos++;
            }
            b.append(new String(in, run, pos - run, StandardCharsets.UTF_8));
            if (pos >= end) throw error("a string that does not end");
            if (in[pos++] == '"') return b.toString();
            if (pos >= end) throw error("a string that does not end");
            int e = in[pos++];
            switch (e) {
                case '"', '\\', '/' -> b.append((char) e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    char c = hex4();
                    if (Character.isHighSurrogate(c)) {
                        if (pos + 1 >= end || in[pos] != '\\' || in[pos + 1] != 'u') throw error("an unpaired surrogate \\u escape");
                        pos += 2;
                        char low = hex4();
                        if (!Character.isLowSurrogate(low)) throw error("an unpaired surrogate \\u escape");
                        b.append(c).append(low);
                    } else if (Character.isLowSurrogate(c)) {
                        throw error("an unpaired surrogate \\u escape");
                    } else {
                        b.append(c);
                    }
                }
                default -> {
                    pos--;
                    throw unexpected("an escape (one of \" \\ / b f n r t u)");
                }
            }
        }
    }

    /** The text of in[from, to), a constant when it is one. */
    private String text(int from, int to) {
        for (String c : constants) {
            if (c.length() == to - from) {
                int i = 0;
                while (i < c.length() && in[from + i] == c.charAt(i)) i++;
                if (i == c.length()) return c;
            }
        }
        return new String(in, from, to - from, StandardCharsets.UTF_8);
    }

    /** Exactly four hex digits (no sign, no fewer). */
    private char hex4() {
        if (pos + 4 > end) throw error("a \\u escape with fewer than four hex digits");
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int c = in[pos], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) throw unexpected("a hex digit of a \\u escape");
            v = v << 4 | d;
            pos++;
        }
        return (char) v;
    }

    private void skipNumber() {
        if (in[pos] == '-') pos++;
        if (pos >= end || in[pos] < '0' || in[pos] > '9') throw unexpected("a digit");
        if (in[pos] == '0' && pos + 1 < end && in[pos + 1] >= '0' && in[pos + 1] <= '9') {
            throw error("a number with a leading zero");
        }
        digits();
        if (pos < end && in[pos] == '.') {
            pos++;
            if (digits() == 0) throw unexpected("a digit after '.'");
        }
        if (pos < end && (in[pos] == 'e' || in[pos] == 'E')) {
            pos++;
            if (pos < end && (in[pos] == '+' || in[pos] == '-')) pos++;
            if (digits() == 0) throw unexpected("a digit of the exponent");
        }
    }

    private int digits() {
        int from = pos;
        while (pos < end && in[pos] >= '0' && in[pos] <= '9') pos++;
        return pos - from;
    }

    private static final String[] LITERALS = {"true", "false", "null"};

    private void literal() {
        for (String word : LITERALS) {
            if (end - pos >= word.length() && new String(in, pos, word.length(), StandardCharsets.US_ASCII).equals(word)) {
                pos += word.length();
                return;
            }
        }
        throw unexpected("true, false or null");
    }

    // ------------------------------------------------------------------------------------ errors

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("invalid JSON at byte " + (pos - start) + ": " + what);
    }

    /** "expected X, found Y", Y shown so that an invisible character is still seen. */
    private IllegalArgumentException unexpected(String expected) {
        return error("expected " + expected + ", found " + (pos >= end ? "the end of the text" : describe(codePointAt(pos))));
    }

    private int codePointAt(int p) {
        int b = in[p] & 0xff;
        int len = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
        if (p + len > end) return b;
        return new String(in, p, len, StandardCharsets.UTF_8).codePointAt(0);
    }

    /** A character as a reader can see it: 'x' when printable ASCII, else U+XXXX (and its name when known). */
    static String describe(int codePoint) {
        if (codePoint > 0x20 && codePoint < 0x7f) return "'" + (char) codePoint + "'";
        String name = switch (codePoint) {
            case 0xFEFF -> " (a byte order mark)";
            case 0x20 -> " (a space)";
            case 0 -> " (NUL)";
            default -> "";
        };
        return String.format("U+%04X", codePoint) + name;
    }
}
