class SubscriptionsController < ApplicationController
  def show
    @subscription = Subscription.find(params[:id])
    render json: @subscription
  end

  def create
    subscription = Subscription.create!(params.require(:subscription).permit(:customer_id, :plan, :price_cents))
    render json: subscription, status: :created
  end
end
