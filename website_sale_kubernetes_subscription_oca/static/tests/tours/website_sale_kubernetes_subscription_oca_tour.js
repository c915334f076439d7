/** @odoo-module **/

import { registry } from "@web/core/registry";
import * as tourUtils from "@website_sale/js/tours/tour_utils";

/**
 * A signed-in customer buys the demo app: product page, cart, the app name
 * step (a refused name shows its reason, a good one its address), payment
 * with the demo provider, confirmation page.
 */
registry.category("web_tour.tours").add("website_sale_kubernetes_subscription_oca_buy_app", {
    url: "/shop",
    steps: () => [
        ...tourUtils.searchProduct("Odoo App", { select: true }),
        {
            content: "Add the app to the cart",
            trigger: "#product_detail form #add_to_cart",
            run: "click",
        },
        tourUtils.goToCart(),
        tourUtils.goToCheckout(),
        {
            content: "The checkout asks for the app name",
            trigger: "h3:contains(Name your app)",
        },
        {
            content: "Type a name that is not a DNS label",
            trigger: "input.o_kubernetes_app_name_input",
            run: "edit my_app!",
        },
        {
            content: "The page says why the name is refused",
            trigger: ".o_kubernetes_app_name_invalid:contains(is not valid)",
        },
        {
            content: "Type a reserved name",
            trigger: "input.o_kubernetes_app_name_input",
            run: "edit admin",
        },
        {
            content: "The page says the name is reserved",
            trigger: ".o_kubernetes_app_name_invalid:contains(is reserved)",
        },
        {
            content: "Type a good name",
            trigger: "input.o_kubernetes_app_name_input",
            run: "edit tour-app",
        },
        {
            content: "The page shows the address of the app",
            trigger: ".o_kubernetes_app_name_valid:contains(tour-app.shop-tour.example.com)",
        },
        {
            content: "Continue to the payment",
            trigger: "button[name=o_kubernetes_app_name_submit]",
            run: "click",
            expectUnloadPage: true,
        },
        ...tourUtils.payWithDemo(),
        {
            content: "The confirmation page tells where the app will run",
            trigger:
                ".o_kubernetes_app_confirmation:contains(https://tour-app.shop-tour.example.com)",
        },
    ],
});
