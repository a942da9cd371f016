package cn.suifang.backend.telephony;

import cn.suifang.telephony.sim.CallScript;
import cn.suifang.telephony.sim.CallScript.Leg;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the demo's simulated switch does with a call, chosen by the last digit of the patient's number
 * (the last {@code sofia/gateway/<gw>/<number>} of the originate): 1 no answer, 2 busy, 3 rejected,
 * 4 invalid number; any other digit connects (doctor answers after 3 s, the patient rings 5 s, they talk 20 s).
 */
final class DemoScenarios {

    private static final Pattern DESTINATION = Pattern.compile("sofia/gateway/[^/\\s]+/([^)\\s,}]+)");

    static final CallScript CONNECTED = CallScript.builder()
            .doctor(Leg.answersAfter(Duration.ofSeconds(3)))
            .patient(Leg.answersAfter(Duration.ofSeconds(5)))
            .talk(Duration.ofSeconds(20))
            .build();

    private DemoScenarios() {
    }

    static CallScript forOriginate(String originateArguments) {
        return forPatientNumber(lastDestination(originateArguments));
    }

    static CallScript forPatientNumber(String number) {
        if (number == null || number.isEmpty()) {
            return CONNECTED;
        }
        Leg patient = switch (number.charAt(number.length() - 1)) {
            case '1' -> Leg.noAnswer(Duration.ofSeconds(30));
            case '2' -> Leg.busy(Duration.ofSeconds(1));
            case '3' -> Leg.rejected(Duration.ofSeconds(4));
            case '4' -> Leg.fails("UNALLOCATED_NUMBER", Duration.ofSeconds(1));
            default -> null;
        };
        return patient == null ? CONNECTED : CallScript.builder()
                .doctor(Leg.answersAfter(Duration.ofSeconds(3)))
                .patient(patient)
                .build();
    }

    /** The patient's number: the last dialled destination (the doctor's comes first). */
    static String lastDestination(String originateArguments) {
        if (originateArguments == null) {
            return null;
        }
        Matcher m = DESTINATION.matcher(originateArguments);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last;
    }
}
