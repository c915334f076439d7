/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * The demo portal customer finds their app from the portal home, opens it and
 * redeploys it after confirming. Needs the demo app "willis-prod", running.
 */
registry.category("web_tour.tours").add("kubernetes_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Open the apps tile of the portal home",
            trigger: ".o_portal_index_card a[href='/my/apps']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the app from the list",
            trigger: ".o_kubernetes_app_row a:contains('willis-prod')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page shows the app's configuration",
            trigger: "#kubernetes_app_configuration td:contains('PIP_INSTALL')",
        },
        {
            content: "Ask to redeploy",
            trigger: "button.o_kubernetes_app_redeploy",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: "#modal_app_redeploy .o_kubernetes_app_confirm",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page confirms the redeploy",
            trigger: "#kubernetes_app_message:contains('redeploy is queued')",
        },
        {
            content: "A queued app offers no action",
            trigger: "#kubernetes_app_action_problem",
        },
    ],
});
