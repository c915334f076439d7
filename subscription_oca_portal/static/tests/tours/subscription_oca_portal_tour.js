/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * The demo portal customer finds their demo subscription (plan "Monthly hosting
 * (demo)", product "Hosted Odoo app (demo)") from the portal home, opens it
 * and closes it with a reason.
 */
registry.category("web_tour.tours").add("subscription_oca_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Open the subscriptions tile of the portal home",
            trigger: ".o_portal_index_card a[href='/my/subscriptions']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the subscription from the list",
            trigger: ".o_portal_subscription_row:contains('Monthly hosting (demo)') a",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page shows the subscription lines",
            trigger: "#subscription_lines_table td:contains('Hosted Odoo app (demo)')",
        },
        {
            content: "Ask to close the subscription",
            trigger: "button.o_subscription_close_open",
            run: "click",
        },
        {
            content: "Choose a reason",
            trigger: "#modal_subscription_close select[name='close_reason_id']",
            run: "selectByLabel too expensive",
        },
        {
            content: "Leave a comment",
            trigger: "#modal_subscription_close textarea[name='close_comment']",
            run: "edit Moving to a bigger plan elsewhere",
        },
        {
            content: "Confirm",
            trigger: "#modal_subscription_close .o_subscription_close_confirm",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page confirms the closing",
            trigger: "#subscription_message_closed",
        },
        {
            content: "A closed subscription offers no close button",
            trigger: "#subscription_content:not(:has(.o_subscription_close_open))",
        },
        {
            content: "Nor the closing form",
            trigger: "body:not(:has(#subscription_close_form))",
        },
    ],
});
