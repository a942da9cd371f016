package cn.suifang.backend.crypto;

/** How identifiers appear in every response: enough to recognise, never enough to use. */
public final class Masking {

    private Masking() {
    }

    /** {@code 13812345678 → 138****5678}; other lengths keep the first 3 and last 4 when long enough. */
    public static String phone(String phone) {
        if (phone == null || phone.isEmpty()) {
            return null;
        }
        String digits = phone.startsWith("+86") ? phone.substring(3) : phone;
        if (digits.length() <= 7) {
            return "*".repeat(digits.length());
        }
        return digits.substring(0, 3) + "*".repeat(digits.length() - 7) + digits.substring(digits.length() - 4);
    }

    /** {@code 110101199003071234 → 1101**********1234}. */
    public static String idCard(String idCard) {
        if (idCard == null || idCard.isEmpty()) {
            return null;
        }
        if (idCard.length() < 8) {
            return "*".repeat(idCard.length());
        }
        return idCard.substring(0, 4) + "*".repeat(idCard.length() - 8) + idCard.substring(idCard.length() - 4);
    }

    /** {@code 张三 → 张*}, {@code 欧阳娜娜 → 欧**娜}: lists show who without the full name. */
    public static String name(String name) {
        if (name == null || name.isEmpty()) {
            return name;
        }
        int[] cps = name.codePoints().toArray();
        if (cps.length == 1) {
            return name;
        }
        if (cps.length == 2) {
            return new String(cps, 0, 1) + "*";
        }
        return new String(cps, 0, 1) + "*".repeat(cps.length - 2) + new String(cps, cps.length - 1, 1);
    }
}
