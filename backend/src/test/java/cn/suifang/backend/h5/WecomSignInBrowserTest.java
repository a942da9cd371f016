package cn.suifang.backend.h5;

import static org.assertj.core.api.Assertions.assertThat;

import cn.suifang.backend.discharge.DischargeRecord;
import cn.suifang.backend.support.FakeWecomSignIn;
import cn.suifang.backend.support.IntegrationTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Coming back from WeCom's authorize page, in a real browser: /app/?code=…&state=… signs the doctor in and lands on
 * their list, with the code gone from the address bar; a member without a staff account reads why; a state this
 * browser did not issue is refused before anything is sent.
 */
class WecomSignInBrowserTest extends IntegrationTest {

    @LocalServerPort
    private int port;

    @Test
    void redirectFromWecom_signsTheDoctorIn_unknownMembersAndForeignStatesAreRefused() throws Exception {
        FakeWecomSignIn signIn = FakeWecomSignIn.install(wecom);
        DischargeRecord r = pciDischarge("ZY801", "P801", 3);
        importBatch(r);
        long nurse = count("SELECT assignee_id FROM follow_up_task WHERE role = 'NURSE_COORDINATOR' ORDER BY due_date LIMIT 1");
        long task = count("SELECT id FROM follow_up_task WHERE assignee_id = " + nurse + " ORDER BY due_date LIMIT 1");
        db.sql("UPDATE staff SET wecom_user_id = 'ChenHuShi' WHERE id = :id").bind("id", nurse).then().block();

        try (PhoneBrowser phone = PhoneBrowser.open(port)) {
            // Act 1: the sign-in this browser started (state kept in sessionStorage), WeCom sends the member back
            phone.go("/app/#/login");
            phone.script("sessionStorage.setItem('suifang.wecom.state', 'st4te0123456789ab');"
                    + "sessionStorage.setItem('suifang.wecom.next', '/tasks');");
            phone.go("/app/?code=" + signIn.memberCode("wecomcode0001", "ChenHuShi") + "&state=st4te0123456789ab");

            // Verify: the nurse's list, the code no longer in the address bar
            phone.visible(By.cssSelector("[data-testid=task-" + task + "]"));
            assertThat(phone.currentUrl()).doesNotContain("code=").doesNotContain("state=");
            assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'LOGIN_WECOM' AND actor_id = " + nurse)).isEqualTo(1);
            phone.screenshot(Path.of("target/screenshots-wecom/19-wecom-signed-in.png"));

            // Act 2: a member of the corp without a Suifang account
            phone.script("sessionStorage.clear();"
                    + "sessionStorage.setItem('suifang.wecom.state', 'st4te9876543210ab');");
            phone.go("/app/?code=" + signIn.memberCode("wecomcode0002", "SomeoneElse") + "&state=st4te9876543210ab#/login");
            phone.waitText(By.cssSelector("[data-testid=wecom-error]"), "尚未在随访系统登记");
            phone.screenshot(Path.of("target/screenshots-wecom/20-wecom-unknown-member.png"));

            // Act 3: a link with someone else's state (no state of ours in this browser): refused, WeCom never asked
            phone.script("sessionStorage.clear();");
            int asked = wecom.requests("/cgi-bin/auth/getuserinfo").size();
            phone.go("/app/?code=" + signIn.memberCode("wecomcode0003", "ChenHuShi") + "&state=foreignstate0001#/login");
            phone.waitText(By.cssSelector("[data-testid=wecom-error]"), "登录链接已失效");
            assertThat(wecom.requests("/cgi-bin/auth/getuserinfo")).hasSize(asked);
        }
    }
}
