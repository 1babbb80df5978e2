"""Drives samples/Playground, published and served at the URL given, in headless Chromium (Selenium
with Debian's chromium-driver): the seed exercise's loss 3.375 before the step and 2 after it; a
learning rate of 0.5 typed in gives 2.5 after it; the step typeset as formulas (KaTeX), none
unreadable, and typeset again after the edit (docs/seed-exercise.md's step, halved); 300 Adam
steps on two moons, run in the page, at least halve the loss. Screenshots go to the path given and
beside it (-moons.png)."""
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def main(url, screenshot):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,1500"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    failures = 0
    try:
        start = time.monotonic()
        driver.get(url)
        wait = WebDriverWait(driver, 120)
        loss = wait.until(expected_conditions.presence_of_element_located((By.ID, "loss")))
        print(f"check-browser: .NET started and the page computed in {time.monotonic() - start:.1f} s")

        def expect(element_id, expected, what):
            nonlocal failures
            actual = driver.find_element(By.ID, element_id).text
            ok = actual == expected
            failures += not ok
            print(f"check-browser: {what}: {actual} (expected {expected}): {'ok' if ok else 'FAILED'}")

        expect("loss", "3.375", "loss before the step")
        expect("loss-after", "2", "loss after the step")
        explain = driver.find_element(By.ID, "explain-text").get_attribute("textContent")
        ok = "dL/dh0 = dL/dz_h1·w_h1 + dL/dz_y·s_h0_y = 0.5 × 0.5 + 1 × 0.5 = 0.75" in explain
        failures += not ok
        print(f"check-browser: Explain's chain rule is on the page as text: {'ok' if ok else 'FAILED'}")

        # The same step typeset: every equation a formula, none that KaTeX could not read, the chain
        # rule's line among them (its LaTeX source is kept in the MathML annotation).
        def typeset():
            return driver.execute_script("""
                const root = document.getElementById('explain');
                return [root.querySelectorAll('.equation .katex-display').length,
                        root.querySelectorAll('.katex-error').length,
                        [...root.querySelectorAll('annotation')].map(a => a.textContent),
                        root.lastElementChild ? root.lastElementChild.innerText : ''];""")
        wait.until(lambda d: typeset()[0] > 0)
        formulas, errors, sources, last = typeset()
        chain = r"\frac{\partial L}{\partial h0} = \frac{\partial L}{\partial z_{h1}} \cdot w_{h1} + \frac{\partial L}{\partial z_{y}} \cdot s_{h0 \to y} = 0.5 \times 0.5 + 1 \times 0.5 = 0.75"
        ok = formulas >= 30 and errors == 0 and any(chain in source for source in sources)
        failures += not ok
        print(f"check-browser: the step typeset: {formulas} formulas, {errors} unreadable, the chain rule's line among them: {'ok' if ok else 'FAILED'}")
        driver.save_screenshot(screenshot)

        rate = driver.find_element(By.ID, "rate")
        rate.clear()
        rate.send_keys("0.5", Keys.TAB)
        wait.until(lambda d: d.find_element(By.ID, "loss-after").text != "2")
        expect("loss-after", "2.5", "loss after a step with learning rate 0.5")
        expect("loss", "3.375", "loss before it, unchanged")
        wait.until(lambda d: "2.5" in typeset()[3])
        ok = typeset()[1] == 0
        failures += not ok
        print(f"check-browser: the typeset step follows: {typeset()[3]!r}: {'ok' if ok else 'FAILED'}")

        # Training in the page: 300 Adam steps on two moons lower the loss.
        start_loss = float(driver.find_element(By.ID, "moons-start").text)
        began = time.monotonic()
        driver.find_element(By.ID, "train").click()
        WebDriverWait(driver, 300).until(lambda d: int(d.find_element(By.ID, "moons-steps").text) >= 300)
        seconds = time.monotonic() - began
        driver.find_element(By.ID, "train").click()
        steps = int(driver.find_element(By.ID, "moons-steps").text)
        loss_now = float(driver.find_element(By.ID, "moons-loss").text)
        accuracy = driver.find_element(By.ID, "moons-accuracy").text
        ok = loss_now < start_loss / 2
        failures += not ok
        print(f"check-browser: two moons, {steps} steps in {seconds:.1f} s: loss {start_loss} → {loss_now}, training accuracy {accuracy}: {'ok' if ok else 'FAILED'}")
        driver.execute_script("document.getElementById('train').scrollIntoView()")
        driver.save_screenshot(screenshot.replace(".png", "-moons.png"))

        # The same layers without the skip edges, from the same seed: reported, not judged.
        driver.find_element(By.ID, "skips").click()
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "moons-steps").text == "0")
        plain_start = driver.find_element(By.ID, "moons-start").text
        driver.find_element(By.ID, "train").click()
        WebDriverWait(driver, 300).until(lambda d: int(d.find_element(By.ID, "moons-steps").text) >= steps)
        driver.find_element(By.ID, "train").click()
        print(f"check-browser: without the skip edges, {driver.find_element(By.ID, 'moons-steps').text} steps: "
              f"loss {plain_start} → {driver.find_element(By.ID, 'moons-loss').text}, training accuracy {driver.find_element(By.ID, 'moons-accuracy').text}")

        # The page times the seed exercise's step, its Explain and a two-moons Adam step in WebAssembly.
        driver.find_element(By.ID, "time").click()
        WebDriverWait(driver, 120).until(lambda d: d.find_elements(By.ID, "time-moons"))
        print(f"check-browser: timed in the page: seed TrainStep {driver.find_element(By.ID, 'time-seed').text}, "
              f"its Explain {driver.find_element(By.ID, 'time-explain').text}, a two-moons Adam step {driver.find_element(By.ID, 'time-moons').text} "
              f"(128-bit vectors accelerated: {driver.find_element(By.ID, 'time-vectors').text})")
    finally:
        driver.quit()
    return failures


if __name__ == "__main__":
    sys.exit(1 if main(sys.argv[1], sys.argv[2]) else 0)
