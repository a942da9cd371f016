import cn.suifang.backend.crypto.Identifiers;
import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.Random;

/**
 * Prints SQL that fills {@code bench_pii_pool} with real AES-256-GCM ciphertexts of mobile numbers and
 * ID-card numbers, sealed by the product's own {@link PiiCipher} with the demo keys of application-demo.yml.
 * The generator hands these out to the 1M bench patients (patient id modulo pool size), so the API decrypts
 * a genuine ciphertext for every task card, exactly as in production.
 * <p>
 * Run with the classes of the built backend jar on the class path (scripts/bench.sh does this):
 * {@code java -cp "x/BOOT-INF/classes:x/BOOT-INF/lib/*" bench/PiiPool.java <size> <piiKey> <bidxKey>}
 */
public class PiiPool {

    public static void main(String[] args) {
        int size = Integer.parseInt(args[0]);
        PiiCipher cipher = new PiiCipher(args[1], args[2]);
        Random random = new Random(20261124L);
        String[] prefixes = {"138", "139", "136", "137", "135", "150", "151", "158", "186", "188", "187", "159"};
        HexFormat hex = HexFormat.of();
        StringBuilder sql = new StringBuilder();
        for (int i = 1; i <= size; i++) {
            if ((i - 1) % 1000 == 0) {
                sql.append("INSERT INTO bench_pii_pool (id, phone_enc, id_card_enc) VALUES\n");
            }
            String phone = prefixes[random.nextInt(prefixes.length)] + String.format("%08d", random.nextInt(100_000_000));
            LocalDate birth = LocalDate.of(1940, 1, 1).plusDays(random.nextInt(365 * 60));
            String idCard = Identifiers.withIdCheckDigit("440106" + birth.toString().replace("-", "")
                    + String.format("%03d", random.nextInt(1000)));
            sql.append("(").append(i)
                    .append(", '\\x").append(hex.formatHex(cipher.encrypt(PiiField.PATIENT_PHONE, phone)))
                    .append("', '\\x").append(hex.formatHex(cipher.encrypt(PiiField.PATIENT_ID_CARD, idCard)))
                    .append("')");
            sql.append(i % 1000 == 0 || i == size ? ";\n" : ",\n");
        }
        System.out.print(sql);
    }
}
