package cn.suifang.backend.h5;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.util.FileSystemUtils;

/**
 * Debian's chromium, headless, as a 390×844 touch phone with WeCom's user agent, driven through Debian's chromedriver
 * (no browser download). One per test; {@link #close()} keeps a picture of the last screen and removes the profile.
 */
final class PhoneBrowser implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration UI_WAIT = Duration.ofSeconds(40);

    private final WebDriver driver;
    private final Path profile;
    private final WebDriverWait wait;
    private final String base;

    private PhoneBrowser(WebDriver driver, Path profile, String base) {
        this.driver = driver;
        this.profile = profile;
        this.base = base;
        this.wait = new WebDriverWait(driver, UI_WAIT, Duration.ofMillis(100));
    }

    /** Skips the test (JUnit assumption) only where chromium is not installed; scripts/test.sh installs it. */
    static PhoneBrowser open(int port) throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
                "浏览器测试已跳过：未找到 /usr/bin/chromium（scripts/test.sh 会用 apt 安装 chromium 与 chromium-driver）");
        if (!Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("chromium-driver missing (apt-get install chromium-driver)");
        }
        Path profile = Files.createTempDirectory("suifang-h5-chromium");
        return new PhoneBrowser(phoneDriver(profile), profile, "http://127.0.0.1:" + port);
    }

    /** The phone-sized chromium itself, for tests that drive it directly (network conditions, tap counting). */
    static ChromeDriver phoneDriver(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=390,844", "--lang=zh-CN", "--user-data-dir=" + profile);
        options.setExperimentalOption("mobileEmulation", Map.of(
                "deviceMetrics", Map.of("width", 390, "height", 844, "pixelRatio", 1.0, "touch", true),
                "userAgent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"
                        + " (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.20 MicroMessenger/7.0.1 Language/zh"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    void go(String path) {
        driver.get(base + path);
    }

    WebElement visible(By by) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /** A tap, as a thumb would: scrolled into view first. */
    void tap(By by) {
        WebElement element = wait.until(ExpectedConditions.elementToBeClickable(by));
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", element);
        element.click();
    }

    /** Replaces what a field holds, key by key as a person would (Vue sees every input event). */
    void type(By by, String text) {
        WebElement field = visible(by);
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", field);
        field.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        field.sendKeys(text);
    }

    /** Types after what a field already holds (a textarea being edited), key by key; "\n" is a new line. */
    void append(By by, String text) {
        WebElement field = visible(by);
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", field);
        field.sendKeys(Keys.chord(Keys.CONTROL, Keys.END));
        field.sendKeys(text);
    }

    /** Waits until nothing matching is shown (closed sheets and their overlays, a card filtered away). */
    void gone(By by) {
        wait.withMessage(() -> "waiting for " + by + " to go; page shows: " + bodyText()).until(d -> {
            try {
                return d.findElements(by).stream().noneMatch(WebElement::isDisplayed);
            } catch (StaleElementReferenceException e) {
                return false; // re-rendered while looking: look again
            }
        });
    }

    /**
     * Waits until no Vue transition is running (a sheet sliding up, a dialog fading in): a tap aimed at a moving
     * element lands wherever it was when the tap was aimed.
     */
    void settle() {
        wait.withMessage(() -> "waiting for transitions to end").until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d)
                .executeScript("return !document.querySelector('[class*=\"-enter-active\"], [class*=\"-leave-active\"]')")));
    }

    /** Waits until the element shows one of the texts. */
    void waitText(By by, String... anyOf) {
        wait.withMessage(() -> "waiting for " + List.of(anyOf) + " in " + by + "; page shows: " + bodyText())
                .until(d -> {
                    List<WebElement> found = d.findElements(by);
                    return !found.isEmpty() && List.of(anyOf).stream().anyMatch(found.get(0).getText()::contains);
                });
    }

    /** Waits until something outside the page (the database, say) holds. */
    void waitUntil(BooleanSupplier condition, String what) {
        wait.withMessage(() -> "waiting for " + what).until(d -> condition.getAsBoolean());
    }

    /** Runs a script in the page, e.g. to plant what an earlier visit would have left in sessionStorage. */
    Object script(String js) {
        return ((JavascriptExecutor) driver).executeScript(js);
    }

    String currentUrl() {
        return driver.getCurrentUrl();
    }

    String bodyText() {
        return driver.findElement(By.tagName("body")).getText();
    }

    void screenshot(Path file) throws IOException {
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".van-toast")));
        Files.createDirectories(file.getParent());
        Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    @Override
    public void close() throws IOException {
        try {
            screenshot(Path.of("target/screenshots-last/" + System.nanoTime() + ".png"));
        } catch (RuntimeException | IOException ignored) {
            // the last screen is a debugging aid only
        } finally {
            driver.quit();
            FileSystemUtils.deleteRecursively(profile);
        }
    }
}
