package cn.suifang.backend.crypto;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.Optional;

/**
 * Validation and normalisation of the identifiers we accept: Chinese phone numbers (libphonenumber,
 * region CN) and resident ID-card numbers (GB 11643-1999: 18 characters, ISO 7064 MOD 11-2 check).
 */
public final class Identifiers {

    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final int[] ID_WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    private static final char[] ID_CHECK = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
    private static final DateTimeFormatter BIRTH = DateTimeFormatter.ofPattern("uuuuMMdd")
            .withResolverStyle(ResolverStyle.STRICT);

    private Identifiers() {
    }

    /**
     * A valid Chinese number in national form (mobile {@code 13812345678}, landline {@code 01012345678}),
     * or empty when libphonenumber does not consider it a valid CN number.
     */
    public static Optional<String> normalisePhone(String raw) {
        if (raw == null || raw.isBlank()) {
            return Optional.empty();
        }
        try {
            Phonenumber.PhoneNumber number = PHONES.parse(raw.trim(), "CN");
            if (number.getCountryCode() != 86 || !PHONES.isValidNumber(number)) {
                return Optional.empty();
            }
            String national = PHONES.getNationalSignificantNumber(number);
            PhoneNumberUtil.PhoneNumberType type = PHONES.getNumberType(number);
            boolean mobile = type == PhoneNumberUtil.PhoneNumberType.MOBILE
                    || type == PhoneNumberUtil.PhoneNumberType.FIXED_LINE_OR_MOBILE;
            return Optional.of(mobile ? national : "0" + national);
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /** The upper-cased 18-character ID-card number when its birth date and check digit are valid. */
    public static Optional<String> normaliseIdCard(String raw) {
        return normaliseIdCard(raw, LocalDate.now(java.time.ZoneId.of("Asia/Shanghai")));
    }

    /** As {@link #normaliseIdCard(String)}, judging "born in the future" by the hospital's {@code today}. */
    public static Optional<String> normaliseIdCard(String raw, LocalDate today) {
        if (raw == null) {
            return Optional.empty();
        }
        String id = raw.trim().toUpperCase();
        if (!id.matches("\\d{17}[\\dX]")) {
            return Optional.empty();
        }
        try {
            LocalDate birth = LocalDate.parse(id.substring(6, 14), BIRTH);
            if (birth.isAfter(today) || birth.getYear() < 1880) {
                return Optional.empty();
            }
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
        return checkChar(id) == id.charAt(17) ? Optional.of(id) : Optional.empty();
    }

    /** Appends the GB 11643 check character to 17 digits (used by the demo and test data generators). */
    public static String withIdCheckDigit(String first17) {
        return first17 + checkChar(first17);
    }

    /** ISO 7064 MOD 11-2 check character over the first 17 digits. */
    private static char checkChar(String digits) {
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            sum += (digits.charAt(i) - '0') * ID_WEIGHTS[i];
        }
        return ID_CHECK[sum % 11];
    }
}
