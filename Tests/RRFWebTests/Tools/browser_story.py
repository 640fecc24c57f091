"""Plays one phase of the portal's story in a real Chromium (Debian's chromium and chromium-driver, through
selenium), as the people would: typing into labelled fields, pressing the page's buttons, with JavaScript on or
off. Each step saves a screenshot. Prints one JSON object (what the next phase needs) on its last line; exits 1
with the reason when a page is not what the person should see.

    python3 browser_story.py --base URL --phase apply|review|revise|screen|decide|release --javascript on|off --screenshots DIR --facts JSON
"""
import argparse
import json
import os
import sys
import traceback

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait


class StoryFailure(Exception):
    pass


class Browser:
    def __init__(self, base, javascript, folder, phase):
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("RRF_CHROMIUM", "/usr/bin/chromium")
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=360,800"):
            options.add_argument(argument)
        if not javascript:
            options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
        service = Service(executable_path=os.environ.get("RRF_CHROMEDRIVER", "/usr/bin/chromedriver"))
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_page_load_timeout(60)
        self.base, self.folder, self.phase, self.step = base.rstrip("/"), folder, phase, 0
        self.javascript = javascript
        os.makedirs(folder, exist_ok=True)

    def close(self):
        self.driver.quit()

    def shot(self, name):
        self.step += 1
        self.driver.save_screenshot(os.path.join(self.folder, f"{self.phase}-{self.step:02d}-{name}.png"))

    def open(self, path):
        # One retry when Chromium's renderer does not answer in time: on 2 busy cores it sometimes misses the
        # page-load timeout before the page was even asked for (seen once in CI, 2026-12-03).
        try:
            self.driver.get(self.base + path)
        except TimeoutException:
            self.driver.get(self.base + path)

    def heading(self):
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def alerts(self):
        """The refusals the page shows (role=alert), to say why a step did not go as expected."""
        shown = [element.text.strip() for element in self.driver.find_elements(By.CSS_SELECTOR, "[role=alert]")]
        return f" (the page says: {' / '.join(shown)})" if shown else ""

    def expect_heading(self, text, step):
        if text not in self.heading():
            self.shot(f"unexpected-{step}")
            raise StoryFailure(f"{step}: the page's heading is {self.heading()!r}, expected it to contain {text!r} ({self.driver.current_url}){self.alerts()}")

    def expect_text(self, text, step):
        body = self.driver.find_element(By.TAG_NAME, "body").text
        if text not in body:
            self.shot(f"unexpected-{step}")
            raise StoryFailure(f"{step}: {text!r} is not on the page {self.driver.current_url}{self.alerts()}")

    def expect_term(self, term, value, step):
        """The description of `term` in the page's description list (e.g. a proposal's State) is `value`."""
        found = self.driver.find_elements(By.XPATH, f"//dt[normalize-space()='{term}']/following-sibling::dd[1]")
        if not found or found[0].text.strip() != value:
            self.shot(f"unexpected-{step}")
            shown = found[0].text.strip() if found else None
            raise StoryFailure(f"{step}: {term} is {shown!r}, expected {value!r} ({self.driver.current_url}){self.alerts()}")

    def field(self, label):
        """The control a <label> names, found as a person finds it: by the label's text."""
        for element in self.driver.find_elements(By.TAG_NAME, "label"):
            if element.text.strip().startswith(label):
                return self.driver.find_element(By.ID, element.get_attribute("for"))
        raise StoryFailure(f"no field labelled {label!r} on {self.driver.current_url}")

    def type(self, label, text):
        control = self.field(label)
        control.clear()
        control.send_keys(text)

    def choose(self, label, option_text):
        control = self.field(label)
        for option in control.find_elements(By.TAG_NAME, "option"):
            if option.text.strip().startswith(option_text):
                option.click()
                return
        raise StoryFailure(f"no option {option_text!r} in {label!r}")

    def navigating(self, action):
        """Runs `action` (a click that sends a form or follows a link) and waits for the next page to load."""
        page = self.driver.find_element(By.TAG_NAME, "html")
        action()

        def left(driver):
            # chromedriver reports a node of a page left behind as stale, or as "not in the document".
            try:
                page.tag_name
                return False
            except WebDriverException:
                return True

        WebDriverWait(self.driver, 60).until(left)
        WebDriverWait(self.driver, 60).until(lambda driver: driver.find_elements(By.TAG_NAME, "h1"))

    def press(self, text):
        for button in self.driver.find_elements(By.TAG_NAME, "button"):
            if button.text.strip() == text:
                self.navigating(button.click)
                return
        raise StoryFailure(f"no button {text!r} on {self.driver.current_url}")

    def press_starting(self, text):
        """Presses the button whose text starts with `text` (buttons name what they act on, e.g. a reference)."""
        for button in self.driver.find_elements(By.TAG_NAME, "button"):
            if button.text.strip().startswith(text):
                self.navigating(button.click)
                return
        raise StoryFailure(f"no button starting {text!r} on {self.driver.current_url}")

    def follow(self, text):
        self.navigating(self.driver.find_element(By.PARTIAL_LINK_TEXT, text).click)

    def sign_in(self, login, password, code=None):
        self.open("/login")
        self.type("Login", login)
        self.type("Password", password)
        if code:
            self.type("One-time code", code)
        self.press("Sign in")
        if "/login" in self.driver.current_url:
            raise StoryFailure(f"{login} could not sign in: {self.driver.find_element(By.TAG_NAME, 'body').text}")

    def sign_out(self):
        self.press("Sign out")
        self.expect_heading("Sign in", "sign-out")


def apply(browser, facts):
    """An invited NGO officer sets a password, signs in, saves a draft and submits it."""
    browser.open(facts["invitation"])
    browser.expect_heading("Set your password", "invitation")
    browser.shot("invitation")
    browser.type("New password", facts["password"])
    browser.type("The same password again", facts["password"])
    browser.press("Set your password")
    browser.expect_text("Your password is set", "password-set")
    browser.shot("password-set")
    browser.sign_in(facts["login"], facts["password"])
    browser.shot("dashboard")
    browser.follow("Write a new proposal")
    browser.expect_heading("Proposal", "proposal-form")
    browser.choose("Cluster", "Health")
    browser.type("Title", facts["title"])
    browser.type("Beneficiaries", "2400")
    browser.press("Save as draft")
    browser.expect_text("The draft is saved", "draft-saved")
    browser.shot("draft-saved")
    browser.type("Summary", "Chlorination and hygiene kits for displaced families.")
    browser.type("Locations", "Garissa, Dadaab")
    browser.type("Duration (months)", "6")
    browser.type("Requested", "15000")
    browser.type("Budget line 1", "Hygiene kits")
    browser.type("Amount 1", "9000")
    browser.type("Budget line 2", "Chlorine")
    browser.type("Amount 2", "6000")
    browser.shot("proposal-form")
    browser.press("Submit the proposal")
    browser.expect_term("State", "Submitted", "submitted")
    browser.shot("submitted")
    reference = browser.driver.current_url.rstrip("/").split("/")[-1]
    browser.follow("Back to the dashboard")
    browser.expect_text(reference, "dashboard-lists-it")
    browser.sign_out()
    return {"reference": reference}


def review(browser, facts):
    """One reviewer declares a conflict and then cannot score; two others score on the scorecard."""
    reference = facts["reference"]
    conflicted = facts["conflicted"]
    browser.sign_in(conflicted["login"], conflicted["password"])
    browser.follow(reference)
    browser.expect_heading(reference, "review-page")
    browser.type("Your link with the organisation", "I sat on its board until last year.")
    browser.press("Declare a conflict of interest and step aside")
    browser.expect_text("conflict of interest is recorded", "conflict-declared")
    browser.shot("conflict-declared")
    browser.open(f"/reviews/{reference}")
    browser.expect_heading("Not found", "conflicted-cannot-score")
    browser.shot("conflicted-not-found")
    browser.sign_out()
    for reviewer in facts["reviewers"]:
        browser.sign_in(reviewer["login"], reviewer["password"])
        browser.follow(reference)
        browser.expect_heading(reference, "review-page")
        browser.shot(f"scorecard-{reviewer['login']}")
        for control in browser.driver.find_elements(By.CSS_SELECTOR, "input[name^='score_']"):
            control.clear()
            control.send_keys(reviewer["score"])
        browser.type("General comments", "Clear targeting and a realistic budget.")
        browser.press("Submit your scores")
        browser.expect_text("The panel", "panel-after-scoring")
        browser.shot(f"panel-{reviewer['login']}")
        browser.sign_out()
    return {}


def revise(browser, facts):
    """The NGO answers the revision request; a user of another organisation gets "not found" on its URL."""
    reference = facts["reference"]
    browser.sign_in(facts["login"], facts["password"])
    browser.open(f"/proposals/{reference}")
    browser.expect_text(facts["reason"], "revision-reason")
    browser.shot("revision-requested")
    browser.follow("Revise and resubmit")
    browser.type("Title", facts["title"] + " (revised)")
    browser.type("Amount 1", "8000")
    browser.type("Amount 2", "7000")
    browser.shot("revise-form")
    browser.press("Resubmit the proposal")
    browser.expect_term("State", "Resubmitted", "resubmitted")
    browser.shot("resubmitted")
    browser.sign_out()
    other = facts["other"]
    browser.sign_in(other["login"], other["password"])
    browser.open(f"/proposals/{reference}")
    browser.expect_heading("Not found", "other-organisation")
    browser.shot("other-organisation-not-found")
    browser.sign_out()
    return {}


def screen(browser, facts):
    """The secretariat forms the health committee, passes the proposal's screening and lets the portal pick its reviewers."""
    reference = facts["reference"]
    browser.sign_in(facts["login"], facts["password"])
    browser.follow("Committees")
    browser.expect_heading("Committees", "committees")
    browser.type("Committee code", "PRC-HEALTH")
    browser.choose("Call", "SA-1")
    browser.choose("Cluster", "Health")
    browser.type("Chair's login", facts["chair"])
    browser.type("Quorum", "2")
    browser.press("Create the committee")
    browser.expect_text("PRC-HEALTH", "committee-created")
    browser.type("New member's login for PRC-HEALTH", facts["member"])
    browser.press("Add the member")
    browser.expect_text(facts["member"], "member-added")
    browser.shot("committee")
    browser.follow("Screening")
    browser.expect_text(reference, "screening-queue")
    browser.shot("screening-queue")
    browser.press(f"Pass screening of {reference}")
    browser.expect_text("Review panels", "screened")
    browser.press(f"Assign reviewers automatically to {reference}")
    browser.expect_text(facts["chairName"], "reviewers-assigned")
    browser.shot("reviewers-assigned")
    browser.sign_out()
    return {}


def decide(browser, facts):
    """The fund manager ranks, approves for less than requested, records the signed agreement, has the tranche
    conditions checked, approves the first tranche, and is refused when releasing it themselves."""
    reference = facts["reference"]
    browser.sign_in(facts["login"], facts["password"], facts["codes"][0])
    browser.follow("Ranking")
    browser.follow("SA-1")
    browser.expect_text(reference, "ranking")
    browser.shot("ranking")
    browser.follow(f"Decide on {reference}")
    browser.expect_heading(f"Decision: {reference}", "decision-form")
    browser.expect_text("Left in the envelope", "decision-envelope")
    browser.type("Approved amount", facts["amount"])
    browser.type("Justification", "Strong panel scores; the kits budget is reduced to match the cluster's standard.")
    browser.shot("decision-form")
    browser.press("Record the decision")
    browser.expect_term("State", "Approved", "approved")
    browser.shot("approved")
    browser.follow(f"Grant {reference}")
    browser.type("Signatory", "Amina Yusuf, Executive Director")
    browser.press("Record the signature")
    browser.expect_term("State", "Active", "signed")
    browser.press("Check the tranche conditions again")
    browser.press_starting("Approve tranche 1")
    browser.expect_text("approved by", "tranche-approved")
    browser.shot("tranche-approved")
    browser.follow("Tranches")
    browser.press_starting("Release")
    browser.expect_text("cannot also release", "approver-refused")
    browser.shot("approver-refused")
    browser.sign_out()
    return {}


def release(browser, facts):
    """A different finance officer releases the first tranche with a double click, sends the form again, and
    sees one payment on the ledger and the decision on the key figures."""
    reference = facts["reference"]
    browser.sign_in(facts["login"], facts["password"], facts["codes"][0])
    browser.follow("Tranches")
    browser.expect_text(reference, "release-queue")
    browser.shot("release-queue")
    form = browser.driver.find_element(By.XPATH, f"//form[contains(@action, '/grants/{reference}/tranches/1/release')]")
    sent = {field.get_attribute("name"): field.get_attribute("value") for field in form.find_elements(By.TAG_NAME, "input")}
    action = form.get_attribute("action")
    button = form.find_element(By.TAG_NAME, "button")
    button.click()
    try:
        button.click()  # the double click: the second may reach the server or find the page already gone
    except WebDriverException:
        pass
    WebDriverWait(browser.driver, 60).until(lambda driver: "released" in driver.find_element(By.TAG_NAME, "body").text)
    browser.expect_text(f"Tranche 1 of {reference}", "released")
    browser.shot("released")
    # The same form sent again (a resubmitted page): rebuilt from the fields it carried, and sent by the browser.
    browser.navigating(lambda: browser.driver.execute_script(
        "const form = document.createElement('form'); form.method = 'post'; form.action = arguments[0];"
        "for (const [name, value] of Object.entries(arguments[1])) {"
        " const input = document.createElement('input'); input.type = 'hidden'; input.name = name; input.value = value; form.appendChild(input); }"
        "document.body.appendChild(form); form.submit();", action, sent))
    browser.expect_text("nothing was paid again", "release-repeated")
    browser.shot("release-repeated")
    browser.follow("Ledger")
    browser.follow("Verify the ledger now")
    browser.expect_text("The ledger verifies", "ledger")
    browser.shot("ledger")
    browser.follow("Key figures")
    browser.expect_heading("Key figures", "kpis")
    browser.expect_text("All calls", "kpis-decision")
    browser.shot("kpis")
    browser.sign_out()
    return {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--phase", required=True, choices=["apply", "review", "revise", "screen", "decide", "release"])
    parser.add_argument("--javascript", required=True, choices=["on", "off"])
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--facts", required=True)
    arguments = parser.parse_args()
    browser = Browser(arguments.base, arguments.javascript == "on", arguments.screenshots, arguments.phase)
    try:
        result = {"apply": apply, "review": review, "revise": revise, "screen": screen, "decide": decide, "release": release}[arguments.phase](browser, json.loads(arguments.facts))
    except StoryFailure as failure:
        print(f"story failed: {failure}", file=sys.stderr)
        return 1
    except Exception:  # a browser or driver error: say where the story was, with the page it was on
        traceback.print_exc()
        try:
            browser.shot("error")
            print(f"on {browser.driver.current_url}:\n{browser.driver.find_element(By.TAG_NAME, 'body').text}", file=sys.stderr)
        except Exception:
            pass
        return 1
    finally:
        browser.close()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
