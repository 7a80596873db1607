package dev.mmsearch.server;

import dev.mmsearch.server.service.SearchService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mmsearch.server.experiments.ExperimentSettings;
import dev.mmsearch.server.security.SecurityHeadersFilter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The UI under the Content-Security-Policy <em>header</em> (not only its meta tag) in a real Chromium: the page's
 * script runs, its stylesheet applies, and the browser reports no CSP violation; an inline script injected the way
 * an XSS would is refused. Skipped when chromium or chromedriver is missing (see WebUiIT).
 */
class CspBrowserIT {
    @TempDir
    static Path dir;

    static List<String> cspMessages(ChromeDriver driver) {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage)
                .filter(m -> m.contains("Content Security Policy")).toList();
    }

    @Test
    void uiRunsUnderTheHeaderCspWithoutViolationsAndInlineScriptIsBlocked() throws Exception {
        assumeTrue(Files.isExecutable(WebUiIT.CHROMIUM) && Files.isExecutable(WebUiIT.CHROMEDRIVER),
                "needs Debian's chromium and chromium-driver");
        Files.createDirectories(dir.resolve("data"));
        ConfigurableApplicationContext app = SearchService.start(new DataDirectory(dir.resolve("data")), 0,
                new EngineOptions(1, 8), ExperimentSettings.DEFAULTS, Map.of());
        ChromeDriverService service = null;
        ChromeDriver driver = null;
        try {
            String base = "http://127.0.0.1:" + SearchService.port(app);
            HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(SecurityHeadersFilter.CSP);

            service = new ChromeDriverService.Builder().usingDriverExecutable(WebUiIT.CHROMEDRIVER.toFile())
                    .usingAnyFreePort().build();
            ChromeOptions options = new ChromeOptions();
            options.setBinary(WebUiIT.CHROMIUM.toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    "--user-data-dir=" + dir.resolve("profile"), "--window-size=1024,768");
            LoggingPreferences logs = new LoggingPreferences();
            logs.enable(LogType.BROWSER, Level.ALL);
            options.setCapability("goog:loggingPrefs", logs);
            driver = new ChromeDriver(service, options);
            driver.get(base + "/");
            ChromeDriver d = driver;
            new WebDriverWait(driver, Duration.ofSeconds(20)).until(x ->
                    "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
            JavascriptExecutor js = driver;
            // The stylesheet loaded and applies (style-src 'self').
            assertThat(((Number) js.executeScript("return document.styleSheets[0].cssRules.length")).intValue()).isPositive();
            // Nothing the UI itself does breaks the policy (reading the log drains it).
            List<String> before = cspMessages(driver);
            assertThat(before).as("CSP violations while the UI loaded").isEmpty();
            // An injected inline script (what an XSS would add) does not run, and the browser says why
            // (once per policy: the header's and the page's meta tag).
            js.executeScript("window.__inline = 0; const s = document.createElement('script');"
                    + " s.textContent = 'window.__inline = 1'; document.body.appendChild(s);");
            Thread.sleep(300);
            assertThat(((Number) js.executeScript("return window.__inline")).intValue()).isZero();
            List<String> after = cspMessages(driver);
            assertThat(after).isNotEmpty().allSatisfy(m -> assertThat(m).contains("Executing inline script"));
        } finally {
            if (driver != null) {
                driver.quit();
            }
            if (service != null) {
                service.stop();
            }
            app.close();
        }
    }
}
